import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODEBUNDLE_LABEL, codebundlePathFromLabels, parseIssueLine, parseReportLine } from '../../../src/bundles/index';

void test('the label locates codebundle.yaml; missing or unsafe values are refused', () => {
  assert.equal(CODEBUNDLE_LABEL, 'io.airgap-runner.codebundle');
  assert.equal(codebundlePathFromLabels({ [CODEBUNDLE_LABEL]: '/codebundle/codebundle.yaml' }), '/codebundle/codebundle.yaml');
  assert.throws(() => codebundlePathFromLabels({}), { code: 'INVALID_INPUT', message: /not a CodeBundle/ });
  assert.throws(() => codebundlePathFromLabels(null), { code: 'INVALID_INPUT' });
  for (const bad of ['codebundle.yaml', '/codebundle/../etc/passwd', '/codebundle//x.yaml', '/codebundle/x.json', '/a b.yaml']) {
    assert.throws(() => codebundlePathFromLabels({ [CODEBUNDLE_LABEL]: bad }), { code: 'INVALID_INPUT' }, bad);
  }
});

void test('issue lines: severity outside 1..4 becomes 4, everything becomes text', () => {
  assert.equal(parseIssueLine('{"severity":7,"title":"t"}')?.severity, 4);
  assert.equal(parseIssueLine('{"severity":"1","title":"t"}')?.severity, 1);
  const issue = parseIssueLine('{"severity":2,"title":"Disk full","details":{"free":1},"extra":true}');
  assert.equal(issue?.details, '{"free":1}');
  assert.equal(issue?.expected, '');
  assert.equal(parseIssueLine('{"severity":2}'), null);
  assert.equal(parseIssueLine('not json'), null);
  assert.equal(parseIssueLine('[1]'), null);
});

void test('report lines: unknown fmt becomes pre, obj must be present', () => {
  assert.deepEqual(parseReportLine('{"obj":"<b>x</b>","fmt":"html","taskName":"T"}'), { obj: '<b>x</b>', fmt: 'pre', taskName: 'T' });
  assert.deepEqual(parseReportLine('{"obj":{"a":1},"fmt":"json"}'), { obj: '{"a":1}', fmt: 'json', taskName: '' });
  assert.equal(parseReportLine('{"fmt":"p"}'), null);
});
