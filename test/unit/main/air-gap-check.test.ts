/**
 * The connection-level air-gap check's reading of an strace log (test/helpers/connections.ts):
 * what counts as a connection that left the browser, and what is left out, on lines as strace 6
 * writes them for Chromium; and the Node side's record of this process's attempts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { NodeConnections, parseStraceConnects, violations } from '../../helpers/connections';

const LOG = `
101 connect(25<TCP:[2399455]>, {sa_family=AF_INET, sin_port=htons(40093), sin_addr=inet_addr("127.0.0.1")}, 16 <unfinished ...>
101 connect(20<UDPv6:[2399003]>, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>
102 connect(28<UDP:[0.0.0.0:55501]>, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0
102 sendto(28<UDP:[0.0.0.0:55501]>, "\\346\\304\\1\\0", 49, 0, NULL, 0) = 49
103 sendmmsg(114<UDP:[192.0.2.2:39200->10.255.255.53:53]>, [{msg_hdr={msg_name=NULL}}], 1, 0) = 1
104 sendto(30<UDP:[0.0.0.0:5353]>, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(5353), sin_addr=inet_addr("224.0.0.251")}, 16) = 1
105 connect(9<TCPv6:[77]>, {sa_family=AF_INET6, sin6_port=htons(8443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED
106 sendmsg(12<UNIX:[555->556]>, {msg_name=NULL, msg_iov=[]}, MSG_NOSIGNAL) = 8
106 connect(13<UNIX:[557]>, {sa_family=AF_UNIX, sun_path="/tmp/x"}, 110) = 0
`;

describe('air-gap check: what left the browser', () => {
  it('counts TCP connects and UDP datagrams sent, with their destination; not a UDP connect alone, not Unix sockets', () => {
    assert.deepEqual(parseStraceConnects(LOG), [
      { by: 'chromium[101]', to: '127.0.0.1:40093' },
      { by: 'chromium[102] udp', to: '10.255.255.53:53' },
      { by: 'chromium[103] udp', to: '10.255.255.53:53' },
      { by: 'chromium[104] udp', to: '224.0.0.251:5353' },
      { by: 'chromium[105]', to: '[::1]:8443' },
    ]);
  });

  it('reports what is not allowed, once each', () => {
    const found = parseStraceConnects(LOG + LOG);
    assert.deepEqual(violations(found, ['127.0.0.1:40093']), [
      'chromium[102] udp -> 10.255.255.53:53',
      'chromium[103] udp -> 10.255.255.53:53',
      'chromium[104] udp -> 224.0.0.251:5353',
      'chromium[105] -> [::1]:8443',
    ]);
  });

  it("records this process's attempts, refused ones too, and stops when told", async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const watch = new NodeConnections().start();
    await new Promise<void>((resolve) => connect(port, '127.0.0.1').once('close', () => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Nothing listens there any more: refused, and still recorded.
    await new Promise<void>((resolve) => connect(port, '127.0.0.1').once('error', () => resolve()));
    const seen = watch.stop();
    await new Promise<void>((resolve) => connect(port, '127.0.0.1').once('error', () => resolve()));
    assert.deepEqual(seen, [
      { by: 'node', to: `127.0.0.1:${port}` },
      { by: 'node', to: `127.0.0.1:${port}` },
    ]);
  });
});
