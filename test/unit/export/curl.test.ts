import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import fc from 'fast-check';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { copyAsCurl } from '../../../server/src/export/copyAsCurl';
import { curlArgv, formatCurlCommand, shellQuote, type CurlCommand } from '../../../server/src/export/curl';
import type { HttpRequest } from '../../../server/src/http/httpMessage';
import { parseHttpMessage } from '../../../server/src/http/parseHttpMessage';
import { bytes, sample } from '../helpers';

const SERVER = { address: '192.0.2.2', port: 8080 };

function parseRequest(raw: Uint8Array): HttpRequest {
  const outcome = parseHttpMessage(raw, 0, 'request');
  assert.ok('message' in outcome && outcome.message.kind === 'request', 'the request parses');
  return outcome.message;
}

/**
 * Runs the command line in bash with `curl` replaced by a function that prints its argv
 * (NUL-separated) after the hex of whatever it read on stdin: what bash really passes to curl.
 */
function bashArgv(commandLine: string): { argv: string[]; stdinHex: string } {
  const readsStdin = commandLine.includes('| curl ');
  const shim = `curl() { ${readsStdin ? "od -An -tx1 -v | tr -d ' \\n'; " : ''}printf '\\n'; printf '%s\\0' curl "$@"; }\n`;
  const out = execFileSync('bash', ['-c', shim + commandLine], { stdio: ['ignore', 'pipe', 'pipe'] });
  const newline = out.indexOf(0x0a);
  const argv = out.subarray(newline + 1).toString('latin1').split('\0');
  argv.pop(); // after the last NUL
  return { argv, stdinHex: out.subarray(0, newline).toString('latin1') };
}

/** Latin1 strings (one char per byte) with every byte but NUL, weighted to the ones shells care about. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...`'"\`$\\!*?[]{}();&|<>~# \t\n\r%-@=`.split('')),
    fc.integer({ min: 1, max: 255 }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 40,
});

describe('Copy as curl', () => {
  it('the incident request: method, URL from Host, every header line in order, the body', async () => {
    const capture = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const stream = capture.streams.get(0)!;
    const request = stream.http.exchanges[0].request!;
    const command = curlArgv(request, stream.connection.clientToServer.bytes, { server: stream.connection.server });
    assert.equal(
      formatCurlCommand(command),
      `curl --http1.1 -X POST --path-as-is -H 'Host: 127.0.0.1:39779' -H 'User-Agent: curl/7.88.1' -H 'Accept: */*' ` +
        `-H 'Content-Type: application/json' -H 'Content-Length: 28' --data-raw '{"order":42,"item":"widget"}' http://127.0.0.1:39779/wrong`,
    );
  });

  it('real curl on 127.0.0.1 sends the captured request bytes again, exactly', async () => {
    const capture = await analyzeCaptureFile(sample('incident-wrong.pcapng'));
    const stream = capture.streams.get(0)!;
    const original = stream.connection.clientToServer.bytes;
    const request = stream.http.exchanges[0].request!;
    const received = await replayWithCurl(curlArgv(request, original, { server: stream.connection.server }));
    assert.equal(received.toString('latin1'), Buffer.from(original.subarray(request.offset, request.end)).toString('latin1'));
  });

  it('duplicates, an empty value and a chunked body: curl gets `Name;`, both lines, and the de-chunked data', () => {
    const raw = bytes('PUT /a?b=1 HTTP/1.1\r\nHost: example.test\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Empty:\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    const { argv } = curlArgv(parseRequest(raw), raw, { server: SERVER });
    assert.deepEqual(argv, [
      'curl', '--http1.1', '-X', 'PUT', '--path-as-is',
      '-H', 'Host: example.test', '-H', 'X-Dup: 1', '-H', 'x-dup: 2', '-H', 'X-Empty;', '-H', 'Transfer-Encoding: chunked',
      '-H', 'User-Agent:', '-H', 'Accept:', '-H', 'Content-Type:',
      '--data-raw', 'abcde', 'http://example.test/a?b=1',
    ]);
  });

  it('a hostile Host never becomes the URL authority; an odd target goes through --request-target', () => {
    const raw = bytes("GET /x'$(id)`id` HTTP/1.1\r\nHost: evil.test/@other\r\n\r\n");
    const { argv } = curlArgv(parseRequest(raw), raw, { server: SERVER });
    assert.equal(argv.at(-1), 'http://192.0.2.2:8080/');
    assert.deepEqual(argv.slice(argv.indexOf('--request-target'), argv.indexOf('--request-target') + 2), ['--request-target', "/x'$(id)`id`"]);
  });

  it('a header line starting with "@" (curl would read a file) is left out, with a note', () => {
    const raw = bytes('GET / HTTP/1.1\r\nHost: h\r\n@/etc/passwd: x\r\n\r\n');
    const command = curlArgv(parseRequest(raw), raw, { server: SERVER });
    assert.ok(!command.argv.some((argument) => argument.startsWith('@')));
    assert.match(formatCurlCommand(command), /^# 1 header line left out/);
  });

  it('a body with NUL bytes is piped in by printf, byte for byte', () => {
    const body = Buffer.from([0, 1, 0x25, 0x5c, 0x27, 0x0a, 0xff, 0x30]);
    const raw = Buffer.concat([Buffer.from(`POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
    const command = curlArgv(parseRequest(raw), raw, { server: SERVER });
    assert.ok(command.stdin);
    const parsed = bashArgv(formatCurlCommand(command));
    assert.equal(parsed.stdinHex, body.toString('hex'));
    assert.deepEqual(parsed.argv, command.argv);
  });

  it('property: bash reads every shell-quoted argument back as the same bytes', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 6 }), (args) => {
        const out = execFileSync('bash', ['-c', `printf '%s\\0' ${args.map(shellQuote).join(' ')}`]);
        const back = out.toString('latin1').split('\0').slice(0, -1);
        assert.deepEqual(back, args);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('property: for hostile requests, bash passes curl exactly the argv that was built (and the piped body)', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
    const lineText = hostileText.map((text) => text.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(
        token,
        lineText.map((text) => `/${text.replace(/ /g, '')}`),
        fc.array(fc.tuple(token, lineText), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 24 }),
        (method, target, headers, body) => {
          const head = `${method} ${target} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}Content-Length: ${body.length}\r\n\r\n`;
          const raw = Buffer.concat([Buffer.from(head, 'latin1'), body]);
          const outcome = parseHttpMessage(raw, 0, 'request');
          if (!('message' in outcome) || outcome.message.kind !== 'request') return;
          const command = curlArgv(outcome.message, raw, { server: SERVER });
          const parsed = bashArgv(formatCurlCommand(command));
          assert.deepEqual(parsed.argv, command.argv);
          if (command.stdin) assert.equal(parsed.stdinHex, Buffer.from(command.stdin).toString('hex'));
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('property: real curl sends hostile header lines and bodies to a 127.0.0.1 origin unchanged', async () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
    const value = hostileText.map((text) => text.replace(/[\r\n\0]/g, '').trim()).filter((text) => text.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(token, value), { maxLength: 4 }), fc.uint8Array({ minLength: 1, maxLength: 32 }), async (headers, body) => {
        const lines = headers.map(([name, text]) => `X-${name}: ${text}`);
        const head = `POST /echo HTTP/1.1\r\nHost: wirelens.test\r\nUser-Agent: t\r\nAccept: */*\r\nContent-Type: a/b\r\n${lines.map((line) => `${line}\r\n`).join('')}Content-Length: ${body.length}\r\n\r\n`;
        const raw = Buffer.concat([Buffer.from(head, 'latin1'), body]);
        const received = await replayWithCurl(curlArgv(parseRequest(raw), raw, { server: SERVER }));
        assert.equal(received.toString('latin1'), raw.toString('latin1'));
      }),
      { seed: 3, numRuns: 25 },
    );
  });
});

/** Runs the command with real curl (through bash) against a one-shot origin on 127.0.0.1; resolves with the request bytes it got. */
async function replayWithCurl(command: CurlCommand): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.on('data', (data) => {
      chunks.push(data);
      const all = Buffer.concat(chunks);
      const headEnd = all.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(all.subarray(0, headEnd).toString('latin1'))?.[1] ?? 0);
      if (all.length >= headEnd + 4 + length) socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    // Same command, sent to our origin whatever its URL names.
    const argv = [...command.argv.slice(0, -1), '--silent', '--max-time', '10', '--connect-to', `::127.0.0.1:${port}`, command.argv.at(-1)!];
    await runBash(formatCurlCommand({ ...command, argv }));
    return Buffer.concat(chunks);
  } finally {
    server.close();
  }
}

describe('Copy as curl, HTTP/2 and exchange numbering', () => {
  it('h2c prior knowledge: pseudo-header fields make the method and URL; the table numbers HTTP/2 streams after HTTP/1.x exchanges', async () => {
    const stream = (await analyzeCaptureFile(sample('h2c-grpc.pcapng'))).streams.get(0)!;
    const first = await copyAsCurl(stream);
    assert.deepEqual(first, { command: 'curl --http2-prior-knowledge --path-as-is -H User-Agent: -H Accept: http://127.0.0.1:33929/hello', request: 'GET /hello' });
    const grpc = await copyAsCurl(stream, 1);
    assert.equal(grpc.request, 'POST /orders.v1.Orders/Get');
    assert.match(grpc.command, /^printf '\\000\\000\\000\\000\\002\\010\*' \| curl --http2-prior-knowledge -X POST --path-as-is -H 'content-type: application\/grpc' -H 'te: trailers' -H User-Agent: -H Accept: --data-binary @- http:\/\/127\.0\.0\.1:33929\/orders\.v1\.Orders\/Get$/);
    await assert.rejects(copyAsCurl(stream, 2), /has no exchange 3/);
  });

  it('real curl sends the captured gRPC request again over h2c to a node:http2 origin on 127.0.0.1', async () => {
    const stream = (await analyzeCaptureFile(sample('h2c-grpc.pcapng'))).streams.get(0)!;
    const { command } = await copyAsCurl(stream, 1);
    const origin = http2.createServer();
    const received = new Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer }>((resolve) =>
      origin.on('stream', (h2, headers) => {
        const chunks: Buffer[] = [];
        h2.on('data', (chunk: Buffer) => chunks.push(chunk));
        h2.on('end', () => {
          h2.respond({ ':status': 200 });
          h2.end();
          resolve({ headers, body: Buffer.concat(chunks) });
        });
      }),
    );
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const { port } = origin.address() as net.AddressInfo;
    try {
      // curl takes options after the URL too: the same command, sent to this origin.
      await runBash(`${command} --silent --max-time 10 --connect-to ::127.0.0.1:${port}`);
      const { headers, body } = await received;
      assert.equal(headers[':method'], 'POST');
      assert.equal(headers[':path'], '/orders.v1.Orders/Get');
      assert.equal(headers[':authority'], '127.0.0.1:33929');
      assert.equal(headers['content-type'], 'application/grpc');
      assert.equal(headers.te, 'trailers');
      assert.equal(headers['user-agent'], undefined);
      assert.equal(body.toString('hex'), '00000000020' + '82a');
    } finally {
      origin.close();
    }
  });
});

/** Runs a command line in bash without blocking this process (the origin answering curl lives here). */
function runBash(commandLine: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('bash', ['-c', commandLine], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}
