/**
 * An identity provider's JWKS endpoint on 127.0.0.1, with real RSA and EC keys (node:crypto): it
 * publishes whichever keys the test chooses, counts its fetches, can send a Cache-Control header and
 * can go down (the port closed) and come back on the same port. `sign` makes tokens as the provider would.
 */
import { createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'ES384';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function rsaKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey };
}

export function ecKey(kid: string, curve: 'P-256' | 'P-384' = 'P-256'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { kid, alg: curve === 'P-256' ? 'ES256' : 'ES384', privateKey, publicKey };
}

/** The key as a JWKS lists it (public parts, kid, alg, use). */
export function publicJwk(key: SigningKey): Record<string, unknown> {
  return { ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' };
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** A JWT signed with `key` (header `kid` and `alg` from it unless `header` says otherwise). */
export function signJwt(
  key: SigningKey,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const input = `${b64url(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header }))}.${b64url(JSON.stringify(payload))}`;
  const hash = key.alg === 'ES384' ? 'sha384' : 'sha256';
  const signature = cryptoSign(
    hash,
    Buffer.from(input),
    key.alg === 'RS256' ? key.privateKey : { key: key.privateKey, dsaEncoding: 'ieee-p1363' },
  );
  return `${input}.${signature.toString('base64url')}`;
}

/** The classic confusion attack: HS256 "signed" with the provider's public key (PEM) as the HMAC secret. */
export function hs256WithPublicKey(key: SigningKey, payload: Record<string, unknown>): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: key.kid }))}.${b64url(JSON.stringify(payload))}`;
  const secret = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export interface JwksServer {
  readonly url: string;
  /** GET requests answered (or refused with a status) since start. */
  readonly fetches: number;
  /** The keys published from now on. */
  publish(keys: readonly SigningKey[]): void;
  /** Sent as Cache-Control (none when null). */
  cacheControl: string | null;
  /** Answer with this status instead of the document (null: the document). */
  status: number | null;
  /** Close the port (connections refused) … */
  down(): Promise<void>;
  /** … and listen on it again. */
  up(): Promise<void>;
}

export async function startJwksServer(t: Test, keys: readonly SigningKey[]): Promise<JwksServer> {
  let published = keys.map(publicJwk);
  let fetches = 0;
  const state = { cacheControl: null as string | null, status: null as number | null };
  const server: Server = createServer((request, response) => {
    fetches += 1;
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    if (state.status !== null) {
      response.writeHead(state.status, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    response.writeHead(200, {
      'content-type': 'application/json',
      ...(state.cacheControl === null ? {} : { 'cache-control': state.cacheControl }),
    });
    response.end(JSON.stringify({ keys: published }));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  let listening = true;
  const down = async () => {
    if (!listening) return;
    listening = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(down);
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    publish(next) {
      published = next.map(publicJwk);
    },
    get cacheControl() {
      return state.cacheControl;
    },
    set cacheControl(value) {
      state.cacheControl = value;
    },
    get status() {
      return state.status;
    },
    set status(value) {
      state.status = value;
    },
    down,
    async up() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
  };
}
