import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiFixture, type ApiFixture } from './api-test-fixture.ts';

let fx: ApiFixture;
let port: number;
beforeAll(async () => {
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  port = (fx.app.server.address() as AddressInfo).port;
});
afterAll(() => fx.close());

/**
 * Sends a raw request head (and an optional first slice of the body) and resolves with what the
 * server answers, without ever sending the rest of the body: an answer proves the server did not
 * wait to read it.
 */
function rawRequest(head: string, firstBodyBytes = ''): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head + firstBodyBytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
      const split = text.indexOf('\r\n\r\n');
      if (split === -1) return;
      const headers = text.slice(0, split);
      const length = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? Number.NaN);
      const body = text.slice(split + 4);
      if (Buffer.byteLength(body) >= length) {
        socket.destroy();
        resolve({ status: Number(text.slice(9, 12)), headers, body });
      }
    });
    socket.on('error', reject);
  });
}

const post = (url: string, headers: Record<string, string>) =>
  `POST ${url} HTTP/1.1\r\nHost: api\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

const expectErrorFormat = (body: unknown, code: string, field: string) => {
  const { error } = body as { error: { code: string; message: string; problems: string[] } };
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(error.problems.length).toBeGreaterThan(0);
  expect(error.problems.some((p) => p.startsWith(`${field}: `) || p.startsWith(`${field}.`))).toBe(true);
};

describe('an unauthenticated request is refused before its body is read', () => {
  test('a 200 MB body announced but never sent gets 401 and a closed connection', async () => {
    const answer = await rawRequest(
      post('/v1/campaigns', { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) }),
      '{"spec": "',
    );
    expect(answer.status).toBe(401);
    expect(answer.headers.toLowerCase()).toContain('connection: close');
    expectErrorFormat(JSON.parse(answer.body), 'unauthenticated', 'headers.authorization');
  });

  test('8 concurrent chunked bodies with a bogus token get 401 each', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        rawRequest(
          post('/v1/campaigns', { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: 'Bearer nope' }),
          '100000\r\n{"questions": "',
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(401));
  });

  test('a malformed body (not JSON, wrong type, wrong encoding) without a token gets 401, not 400', async () => {
    for (const [contentType, payload] of [
      ['application/json', `{"spec": ${'['.repeat(100_000)}`],
      ['application/json', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'a=b'],
    ] as const) {
      const res = await fx.app.inject({ method: 'POST', url: '/v1/campaigns', headers: { 'content-type': contentType }, payload });
      expect(res.statusCode, contentType).toBe(401);
      expectErrorFormat(res.json(), 'unauthenticated', 'headers.authorization');
    }
  });

  test('a wrong role is refused (403) before the body is parsed', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { ...fx.auth('submitter'), 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(403);
    expectErrorFormat(res.json(), 'forbidden', 'role');
  });
});

describe('body limits', () => {
  test('an authenticated body over 1 MiB is refused with 413 on a small-body route', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { ...fx.auth('admin'), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), role: 'operator' }),
    });
    expect(res.statusCode).toBe(413);
    expectErrorFormat(res.json(), 'payload_too_large', 'body');
  });

  test('campaign submission takes an inline question file over 1 MiB but refuses one over 16 MiB', async () => {
    const twoMiB = JSON.stringify({ spec: 'name: x', questions: 'x'.repeat(2 * 1024 * 1024) });
    const inline = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { ...fx.auth('submitter'), 'content-type': 'application/json' },
      payload: twoMiB,
    });
    // Past the size check: refused for what the spec says, not for its size.
    expect(inline.statusCode).toBe(400);
    expect(inline.json().error.message).toContain('body.spec');
    const huge = await rawRequest(
      post('/v1/campaigns', {
        'content-type': 'application/json',
        'content-length': String(17 * 1024 * 1024),
        authorization: `Bearer ${fx.tokens.submitter}`,
      }),
    );
    expect(huge.status).toBe(413);
    expectErrorFormat(JSON.parse(huge.body), 'payload_too_large', 'body');
    expect(JSON.parse(huge.body).error.message).toContain('/v1/uploads');
  });
});

describe('one error format on every status code', () => {
  test('404, 414, 415 and a bad URL answer {error: {code, message, problems}}', async () => {
    const notFound = await fx.app.inject({ method: 'GET', url: `/v1/nothing-here/${'a'.repeat(5000)}` });
    expect(notFound.statusCode).toBe(404);
    expectErrorFormat(notFound.json(), 'not_found', 'url');
    expect(notFound.body.length).toBeLessThan(1000);

    const longParam = await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${'a'.repeat(5000)}`, headers: fx.auth('admin') });
    expect(longParam.statusCode).toBe(414);
    expectErrorFormat(longParam.json(), 'uri_too_long', 'url');

    const media = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { ...fx.auth('admin'), 'content-type': 'application/xml' },
      payload: '<token/>',
    });
    expect(media.statusCode).toBe(415);
    expectErrorFormat(media.json(), 'unsupported_media_type', 'headers.content-type');

    const badUrl = await fx.app.inject({ method: 'GET', url: '/v1/campaigns/%E0%A4%A', headers: fx.auth('admin') });
    expect(badUrl.statusCode).toBe(400);
    expectErrorFormat(badUrl.json(), 'invalid_request', 'url');

    const badJson = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { ...fx.auth('admin'), 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(badJson.statusCode).toBe(400);
    expectErrorFormat(badJson.json(), 'invalid_request', 'body');
  });

  test('headers over the HTTP parser limit answer 431 in the same format', async () => {
    const answer = await rawRequest(`GET /v1/campaigns HTTP/1.1\r\nHost: api\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expectErrorFormat(JSON.parse(answer.body), 'invalid_request', 'headers');
  });
});
