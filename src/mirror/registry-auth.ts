/**
 * Registry authentication: anonymous, HTTP Basic, and the Distribution bearer-token dance
 * (401 + `WWW-Authenticate: Bearer realm,service,scope` -> GET realm -> token). Basic credentials
 * go only to the registry's own origin and to the token realm it names; tokens are cached per scope.
 * No message ever contains a credential or a token.
 */
import { ApiError } from '../kernel';
import { readCapped, type HttpClient } from './http-client';
import { parseWwwAuthenticate } from './www-authenticate';

export interface RegistryCredentials {
  username: string;
  password: string;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

export class RegistryAuth {
  private readonly tokens = new Map<string, CachedToken>();
  private basicAccepted = false;

  constructor(
    private readonly http: HttpClient,
    private readonly host: string,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  private basicHeader(): string | undefined {
    if (!this.credentials) return undefined;
    const { username, password } = this.credentials;
    return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  /** The Authorization header to try first for `scope`, if we have one. */
  cached(scope: string): string | undefined {
    const token = this.tokens.get(scope);
    if (token && token.expiresAt > this.now()) return token.header;
    if (this.basicAccepted) return this.basicHeader();
    return undefined;
  }

  /** Answers a 401 challenge; returns the header to retry with. */
  async answer(wwwAuthenticate: string | undefined, scope: string, signal?: AbortSignal): Promise<string> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) return await this.fetchToken(bearer.params, scope, signal);
    if (challenges.some((c) => c.scheme === 'basic')) {
      const header = this.basicHeader();
      if (!header) throw this.needCredentials();
      this.basicAccepted = true;
      return header;
    }
    throw new ApiError(
      'UNAUTHENTICATED',
      `The registry at ${this.host} requires authentication of a kind this app does not support. Ask the registry admin for basic or token authentication.`,
    );
  }

  refused(): ApiError {
    this.basicAccepted = false;
    this.tokens.clear();
    return this.credentials
      ? new ApiError(
          'UNAUTHENTICATED',
          `The registry at ${this.host} refused the credentials of this mirror source. Check the user name and password in the source settings.`,
        )
      : this.needCredentials();
  }

  private needCredentials(): ApiError {
    return new ApiError(
      'UNAUTHENTICATED',
      `The registry at ${this.host} requires a user name and password. Add them to the mirror source settings.`,
    );
  }

  private async fetchToken(params: Record<string, string>, scope: string, signal?: AbortSignal): Promise<string> {
    const realm = params.realm;
    if (!realm)
      throw new ApiError(
        'UNAUTHENTICATED',
        `The registry at ${this.host} asked for a token without saying where to get one. Check its auth configuration.`,
      );
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new ApiError('UNAUTHENTICATED', `The registry at ${this.host} named an invalid token service. Check its auth configuration.`);
    }
    if (params.service) url.searchParams.set('service', params.service);
    const wanted = params.scope ?? scope;
    for (const s of wanted.split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const basic = this.basicHeader();
    const response = await this.http.request('GET', url, {
      ...(basic ? { authorization: basic } : {}),
      ...(signal ? { signal } : {}),
      maxRedirects: 0,
    });
    if (response.status === 401 || response.status === 403) {
      response.body.resume();
      throw this.refused();
    }
    if (response.status !== 200) {
      response.body.resume();
      throw new ApiError(
        'UNAUTHENTICATED',
        `The token service for ${this.host} answered HTTP ${response.status}. Try again, or ask the registry admin.`,
      );
    }
    const body = await readCapped(
      response,
      1024 * 1024,
      () => new ApiError('UNAUTHENTICATED', `The token service for ${this.host} sent an over-long answer.`),
    );
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new ApiError('UNAUTHENTICATED', `The token service for ${this.host} sent an answer that is not JSON.`);
    }
    const token = typeof parsed.token === 'string' ? parsed.token : typeof parsed.access_token === 'string' ? parsed.access_token : '';
    if (!token || /[\s]/.test(token)) throw new ApiError('UNAUTHENTICATED', `The token service for ${this.host} sent no usable token.`);
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    const header = `Bearer ${token}`;
    this.tokens.set(scope, { header, expiresAt: this.now() + Math.max(0, seconds - 5) * 1000 });
    return header;
  }
}
