import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import Ajv from 'ajv';
import { analyzeCaptureFile, type StreamAnalysis } from '../../../server/src/analysis/analyzeCapture';
import { buildHar, formPairs } from '../../../server/src/export/har';
import { sample, sharedCapturesDir, streamOf } from '../helpers';

/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as a JSON schema: every object the
 * spec defines, its required fields and their types; optional fields typed where present.
 */
const nameValue = { type: 'object', required: ['name', 'value'], properties: { name: { type: 'string' }, value: { type: 'string' }, comment: { type: 'string' } } };
const cookie = {
  type: 'object',
  required: ['name', 'value'],
  properties: {
    name: { type: 'string' }, value: { type: 'string' }, path: { type: 'string' }, domain: { type: 'string' },
    expires: { type: 'string', format: 'date-time' }, httpOnly: { type: 'boolean' }, secure: { type: 'boolean' }, comment: { type: 'string' },
  },
};
const timing = (min: number) => ({ type: 'number', minimum: min });
const HAR_SCHEMA = {
  type: 'object',
  required: ['log'],
  properties: {
    log: {
      type: 'object',
      required: ['version', 'creator', 'entries'],
      properties: {
        version: { const: '1.2' },
        creator: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
        comment: { type: 'string' },
        entries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'],
            properties: {
              pageref: { type: 'string' },
              startedDateTime: { type: 'string', format: 'date-time' },
              time: timing(0),
              request: {
                type: 'object',
                required: ['method', 'url', 'httpVersion', 'cookies', 'headers', 'queryString', 'headersSize', 'bodySize'],
                properties: {
                  method: { type: 'string' }, url: { type: 'string', format: 'uri' }, httpVersion: { type: 'string' },
                  cookies: { type: 'array', items: cookie }, headers: { type: 'array', items: nameValue }, queryString: { type: 'array', items: nameValue },
                  postData: {
                    type: 'object',
                    required: ['mimeType'],
                    anyOf: [{ required: ['text'] }, { required: ['params'] }],
                    properties: { mimeType: { type: 'string' }, text: { type: 'string' }, params: { type: 'array', items: nameValue } },
                  },
                  headersSize: { type: 'integer', minimum: -1 }, bodySize: { type: 'integer', minimum: -1 },
                },
              },
              response: {
                type: 'object',
                required: ['status', 'statusText', 'httpVersion', 'cookies', 'headers', 'content', 'redirectURL', 'headersSize', 'bodySize'],
                properties: {
                  status: { type: 'integer' }, statusText: { type: 'string' }, httpVersion: { type: 'string' },
                  cookies: { type: 'array', items: cookie }, headers: { type: 'array', items: nameValue },
                  content: {
                    type: 'object',
                    required: ['size', 'mimeType'],
                    properties: { size: { type: 'integer', minimum: 0 }, compression: { type: 'integer' }, mimeType: { type: 'string' }, text: { type: 'string' }, encoding: { const: 'base64' } },
                  },
                  redirectURL: { type: 'string' }, headersSize: { type: 'integer', minimum: -1 }, bodySize: { type: 'integer', minimum: -1 },
                },
              },
              cache: { type: 'object' },
              timings: {
                type: 'object',
                required: ['send', 'wait', 'receive'],
                properties: { blocked: timing(-1), dns: timing(-1), connect: timing(-1), send: timing(0), wait: timing(0), receive: timing(0), ssl: timing(-1) },
              },
              serverIPAddress: { type: 'string' },
              connection: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile(HAR_SCHEMA);

function assertValidHar(har: unknown): void {
  // What is written is the JSON text: validate that, not the object.
  const parsed = JSON.parse(JSON.stringify(har));
  assert.ok(validate(parsed), JSON.stringify(validate.errors, null, 2));
}

describe('buildHar', () => {
  let mozilla: StreamAnalysis;
  let incident: StreamAnalysis;

  before(async () => {
    const analysis = await analyzeCaptureFile(path.join(sharedCapturesDir(), 'zeek--pipelined-requests.pcap'));
    mozilla = [...analysis.streams.values()].find((stream) => stream.http.exchanges.length === 5)!;
    incident = (await analyzeCaptureFile(sample('incident-wrong.pcapng'))).streams.get(0)!;
  });

  it('a real keep-alive conversation (Firefox → mozilla.org) makes a valid HAR 1.2 with one entry per exchange', async () => {
    const har = await buildHar(mozilla, { creatorVersion: '0.1.0' });
    assertValidHar(har);
    assert.deepEqual(har.log.creator, { name: 'Wirelens', version: '0.1.0' });
    assert.deepEqual(
      har.log.entries.map((entry) => entry.request.url),
      ['/style/enhanced.css', '/script/urchin.js', '/images/template/screen/bullet_utility.png', '/images/template/screen/key-point-top.png', '/projects/calendar/images/header-sunbird.png'].map((p) => `http://www.mozilla.org${p}`),
    );
    const css = har.log.entries[0];
    assert.equal(css.response.status, 200);
    assert.equal(css.response.content.mimeType, 'text/css');
    assert.equal(css.response.content.size, 2675, 'the decoded size, as tshark --export-objects writes it');
    assert.ok(css.response.content.compression! > 0, 'gzip saved bytes');
    assert.match(css.response.content.text!, /^[\s\S]*\{[\s\S]*\}/, 'the CSS, decoded');
    assert.ok(css.response.headers.some((header) => header.name === 'Content-Encoding' && header.value === 'gzip'));
    const png = har.log.entries[4]; // header-sunbird.png (entry 3 is a GIF served as image/png)
    assert.equal(png.response.content.encoding, 'base64');
    assert.equal(Buffer.from(png.response.content.text!, 'base64').subarray(1, 4).toString(), 'PNG');
    for (const entry of har.log.entries) {
      assert.equal(entry.time, entry.timings.send + entry.timings.wait + entry.timings.receive);
      assert.ok(entry.timings.wait > 0, 'a real server takes time to answer');
      assert.equal(entry.request.headersSize > 0 && entry.response.headersSize > 0, true);
    }
    // Entries are in time order and start within the capture.
    const starts = har.log.entries.map((entry) => Date.parse(entry.startedDateTime));
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
    const capturedFrom = mozilla.connection.firstTime * 1000;
    assert.ok(starts[0] >= Math.floor(capturedFrom) && starts[0] - capturedFrom < 10_000, `first entry at ${starts[0]}, capture from ${capturedFrom}`);
  });

  it('one exchange only, with the request body and the de-chunked JSON response', async () => {
    const har = await buildHar(incident, { creatorVersion: 'test', exchange: 0 });
    assertValidHar(har);
    const [entry] = har.log.entries;
    assert.equal(entry.request.method, 'POST');
    assert.match(entry.request.url, /^http:\/\/127\.0\.0\.1:\d+\/wrong$/);
    assert.deepEqual(entry.request.postData, { mimeType: 'application/json', text: '{"order":42,"item":"widget"}' });
    assert.equal(entry.response.content.text, '{"order":42,"status":"accepted"}');
    // Both Transfer-Encoding lines, as sent.
    assert.deepEqual(entry.response.headers.filter((h) => /transfer-encoding/i.test(h.name)).map((h) => h.name), ['Transfer-Encoding', 'transfer-encoding']);
    await assert.rejects(buildHar(incident, { creatorVersion: 'test', exchange: 3 }), /no exchange 4/);
  });

  it('cookies, query strings, forms and a missing response', async () => {
    const stream = streamOf(
      'POST /login?next=%2Fhome&x HTTP/1.1\r\nHost: example.test\r\nCookie: a=1; b=two\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 18\r\n\r\nuser=bob&pw=s+3%21' +
        'GET /second HTTP/1.1\r\nHost: example.test\r\n\r\n',
      'HTTP/1.1 302 Found\r\nLocation: /home\r\nSet-Cookie: sid=xyz; Path=/; HttpOnly; Secure; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n',
    );
    const har = await buildHar(stream, { creatorVersion: 'test' });
    assertValidHar(har);
    const [login, second] = har.log.entries;
    assert.deepEqual(login.request.queryString, [{ name: 'next', value: '/home' }, { name: 'x', value: '' }]);
    assert.deepEqual(login.request.cookies, [{ name: 'a', value: '1' }, { name: 'b', value: 'two' }]);
    assert.deepEqual(login.request.postData?.params, [{ name: 'user', value: 'bob' }, { name: 'pw', value: 's 3!' }]);
    assert.equal(login.response.redirectURL, '/home');
    assert.deepEqual(login.response.cookies, [{ name: 'sid', value: 'xyz', path: '/', httpOnly: true, secure: true, expires: '2037-10-21T07:28:00.000Z' }]);
    assert.equal(second.response.status, 0);
    assert.equal(second.response.comment, 'No response in the capture.');
  });

  it('formPairs keeps invalid percent-encoding as sent', () => {
    assert.deepEqual(formPairs('a=%zz&=b&c'), [{ name: 'a', value: '%zz' }, { name: '', value: 'b' }, { name: 'c', value: '' }]);
  });
});

describe('buildHar on HTTP/2', () => {
  it('h2c streams become HTTP/2 entries with their decoded fields, URL from the pseudo-headers, bodies decoded', async () => {
    const stream = (await analyzeCaptureFile(sample('h2c-grpc.pcapng'))).streams.get(0)!;
    const har = await buildHar(stream, { creatorVersion: 'test' });
    assertValidHar(har);
    const [hello, grpc] = har.log.entries;
    assert.equal(hello.request.httpVersion, 'HTTP/2');
    assert.match(hello.request.url, /^http:\/\/127\.0\.0\.1:\d+\/hello$/);
    assert.equal(hello.response.status, 200);
    assert.equal(hello.response.content.text, 'hello from /hello\n');
    assert.equal(grpc.request.method, 'POST');
    assert.equal(grpc.request.postData?.mimeType, 'application/grpc');
    assert.equal(Buffer.from(grpc.request.postData!.text, 'base64').length, 7, 'the gRPC message, base64');
    assert.ok(grpc.response.headers.some((h) => h.name === 'grpc-status' && h.value === '5'), 'trailers are listed with the headers');
    const only = await buildHar(stream, { creatorVersion: 'test', exchange: 1 });
    assert.deepEqual(only.log.entries.map((e) => e.request.url), [grpc.request.url]);
  });
});
