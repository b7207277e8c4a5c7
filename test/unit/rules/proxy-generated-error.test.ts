/**
 * proxy-generated-error on synthetic two-leg captures (a client connection to the proxy and the
 * proxy's upstream connection) run through the real pipeline: TcpReassembler, the parser, every
 * rule in the catalogue, then the capture-scope rules with the other findings.
 */
import * as assert from 'node:assert/strict';
import type { Endpoint, Finding } from '../../../protocol/model';
import { analyzeSegments } from '../../../server/src/analysis/analyzeCapture';
import { parseHttpMessage } from '../../../server/src/http/parseHttpMessage';
import type { HttpResponse } from '../../../server/src/http/httpMessage';
import { findCaptureViolations } from '../../../server/src/analysis/findRuleViolations';
import { summarizeConversation } from '../../../server/src/analysis/summarizeConversation';
import { PROXY_GENERATED_ERROR, proxyGeneratedError, recognizeProxyError, requestKey } from '../../../server/src/rules/proxy-generated-error';
import { TcpFlag, type TcpSegment } from '../../../server/src/tshark/tcpSegment';
import { bytes } from '../helpers';

const { SYN, ACK, PSH, FIN, RST } = TcpFlag;

/** Segments of several connections, frames numbered in the order they are written. */
class Capture {
  private frame = 0;
  readonly segments: TcpSegment[] = [];

  connection(stream: number, client: Endpoint, server: Endpoint) {
    const seq = { client: 1000 + stream * 100_000, server: 9000 + stream * 100_000 };
    const send = (from: 'client' | 'server', data = '', flags = ACK | (data ? PSH : 0)) => {
      const frame = ++this.frame;
      this.segments.push({
        frame, time: frame / 100, stream, seq: seq[from], flags, window: 65535, payload: bytes(data), capturedLength: 54 + data.length,
        src: from === 'client' ? client : server, dst: from === 'client' ? server : client,
      });
      seq[from] += data.length + (flags & (SYN | FIN) ? 1 : 0);
      return frame;
    };
    return {
      open: () => {
        send('client', '', SYN);
        send('server', '', SYN | ACK);
        send('client', '', ACK);
      },
      client: (data: string, flags?: number) => send('client', data, flags),
      server: (data: string, flags?: number) => send('server', data, flags),
    };
  }

  /**
   * Every finding of the catalogue. Each call also checks the rule's candidateStreams: given only
   * the streams it picks from the conversation rows (as large captures do), the rule finds the same.
   */
  async findings(): Promise<Finding[]> {
    const streams = await this.analyse();
    const all = [...streams.values()];
    const candidates = new Set(proxyGeneratedError.candidateStreams!(all.map(summarizeConversation)));
    const fromCandidates = findCaptureViolations(all.filter((s) => candidates.has(s.connection.stream)), [proxyGeneratedError]);
    const findings = all.flatMap((s) => s.findings);
    assert.deepEqual(fromCandidates, findings.filter((f) => f.ruleId === PROXY_GENERATED_ERROR));
    return findings;
  }

  async analyse() {
    const segments = this.segments;
    return (await analyzeSegments({ async *segments() { yield* segments; } }, 0)).streams;
  }
}

const APP = { address: '10.0.0.1', port: 43000 };
const POD = { address: '10.0.0.2', port: 8080 };
const SIDECAR = { address: '127.0.0.6', port: 51000 };
const APP_PORT = { address: '10.0.0.2', port: 8081 };

const REQUEST = 'GET /api/orders?id=42 HTTP/1.1\r\nHost: orders\r\n\r\n';
const BROKEN = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n';
const ENVOY_UPE = 'upstream connect error or disconnect/reset before headers. reset reason: protocol error';
const ENVOY_UC = 'upstream connect error or disconnect/reset before headers. reset reason: connection termination';
const envoyReply = (status: string, body: string) =>
  `HTTP/1.1 ${status}\r\ncontent-length: ${body.length}\r\ncontent-type: text/plain\r\ndate: Wed, 25 Nov 2026 10:00:00 GMT\r\nserver: envoy\r\n\r\n${body}`;
const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n';
const nginxReply = (body: string) => `HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`;

/** The sidecar shape: app → Envoy (stream 0), Envoy → app port (stream 1), `upstream` scripts stream 1. */
async function sidecar(clientRequest: string, reply: string, upstream: (leg: ReturnType<Capture['connection']>) => void, upstreamFirst = false) {
  const capture = new Capture();
  const client = capture.connection(0, APP, POD);
  const inner = capture.connection(1, SIDECAR, APP_PORT);
  client.open();
  if (upstreamFirst) {
    inner.open();
    upstream(inner);
    client.client(clientRequest);
  } else {
    client.client(clientRequest);
    inner.open();
    upstream(inner);
  }
  client.server(reply);
  return (await capture.findings()).filter((f) => f.ruleId === 'proxy-generated-error');
}

describe('proxy-generated-error', () => {
  describe('links the proxy\'s error to the upstream exchange', () => {
    it('Envoy 502 UPE ← the incident\'s duplicate Transfer-Encoding on the upstream leg', async () => {
      let upstreamResponseFrame = 0;
      const findings = await sidecar(REQUEST, envoyReply('502 Bad Gateway', ENVOY_UPE), (leg) => {
        leg.client(REQUEST);
        upstreamResponseFrame = leg.server(BROKEN);
      });
      assert.equal(findings.length, 1);
      const [f] = findings;
      assert.deepEqual([f.stream, f.direction, f.offset, f.length], [0, 'server-to-client', 0, 'HTTP/1.1 502 Bad Gateway'.length]);
      assert.match(
        f.message,
        new RegExp(
          `^"HTTP/1\\.1 502 Bad Gateway" \\(frame \\d+\\) was generated by the proxy \\(Envoy: "reset reason: protocol error"\\), caused by duplicate-transfer-encoding in stream 1 \\(frame ${upstreamResponseFrame}\\)`,
        ),
      );
      const te = BROKEN.indexOf('transfer-encoding: chunked');
      assert.deepEqual(
        f.related?.map((r) => [r.stream, r.direction, r.offset, r.length]),
        [
          [1, 'server-to-client', te, 'transfer-encoding: chunked'.length],
          [1, 'client-to-server', 0, 'GET /api/orders?id=42 HTTP/1.1'.length],
        ],
      );
      assert.match(f.related![0].message, /^Cause, duplicate-transfer-encoding: Transfer-Encoding appears 2 times/);
    });

    it('Envoy 503 UC ← the upstream reset the connection under the request', async () => {
      let requestFrame = 0;
      const [f] = await sidecar(REQUEST, envoyReply('503 Service Unavailable', ENVOY_UC), (leg) => {
        requestFrame = leg.client(REQUEST);
        leg.server('', RST | ACK);
      });
      assert.match(f.message, new RegExp(`\\(Envoy: "reset reason: connection termination"\\), caused by tcp-rst-mid-message in stream 1 \\(frame ${requestFrame}\\)`));
      assert.deepEqual([f.related![0].stream, f.related![0].direction, f.related![0].offset], [1, 'client-to-server', 0]);
    });

    it('nginx 502 ← the upstream closed (FIN) without answering: no rule fires, the close itself is the evidence', async () => {
      let finFrame = 0;
      const [f] = await sidecar(REQUEST, nginxReply(NGINX_502), (leg) => {
        leg.client(REQUEST);
        finFrame = leg.server('', FIN | ACK);
      });
      assert.match(f.message, new RegExp(`generated by the proxy \\(nginx\\), caused by the connection ending in stream 1 \\(frame ${finFrame}\\)`));
      assert.match(f.message, new RegExp(`the upstream closed \\(FIN\\) the connection in frame ${finFrame} without a complete response`));
      assert.deepEqual(f.related?.[0].stream, 1);
    });

    it('an absolute-form request to a forward proxy matches the origin-form request it forwarded', async () => {
      const [f] = await sidecar('GET http://orders:8081/api/orders?id=42 HTTP/1.1\r\nHost: orders:8081\r\n\r\n', envoyReply('502 Bad Gateway', ENVOY_UPE), (leg) => {
        leg.client(REQUEST);
        leg.server(BROKEN);
      });
      assert.match(f.message, /caused by duplicate-transfer-encoding in stream 1/);
    });

    it('a clean upstream exchange: linked, and the finding says the reason is in the proxy\'s log', async () => {
      const [f] = await sidecar(REQUEST, envoyReply('504 Gateway Timeout', 'upstream request timeout'), (leg) => {
        leg.client(REQUEST);
        leg.server('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
      });
      assert.match(f.message, /generated by the proxy \(Envoy: "upstream request timeout"\), not by the application\. The proxy forwarded "GET \/api\/orders\?id=42" in stream 1/);
      assert.match(f.message, /nothing on that exchange's bytes explains the error/);
      assert.deepEqual(f.related?.map((r) => [r.stream, r.direction, r.offset]), [[1, 'client-to-server', 0]]);
    });
  });

  describe('reports the proxy\'s error without a link', () => {
    it('when the capture has no upstream leg', async () => {
      const capture = new Capture();
      const client = capture.connection(0, APP, POD);
      client.open();
      client.client(REQUEST);
      client.server(envoyReply('503 Service Unavailable', ENVOY_UC));
      const [f] = (await capture.findings()).filter((x) => x.ruleId === 'proxy-generated-error');
      assert.match(f.message, /no upstream exchange for "GET \/api\/orders\?id=42" between the request \(frame 4\) and this response: capture the proxy's upstream leg too/);
      assert.equal(f.related, undefined);
    });

    it('when the only matching upstream exchange happened before the client\'s request (outside the window)', async () => {
      const [f] = await sidecar(REQUEST, envoyReply('502 Bad Gateway', ENVOY_UPE), (leg) => {
        leg.client(REQUEST);
        leg.server(BROKEN);
      }, true);
      assert.match(f.message, /no upstream exchange/);
    });

    it('when the upstream exchange is for another path', async () => {
      const [f] = await sidecar(REQUEST, envoyReply('502 Bad Gateway', ENVOY_UPE), (leg) => {
        leg.client('GET /api/other HTTP/1.1\r\nHost: orders\r\n\r\n');
        leg.server(BROKEN);
      });
      assert.match(f.message, /no upstream exchange/);
    });
  });

  describe('stays silent', () => {
    it('on the application\'s own 502 relayed through Envoy (server: envoy alone proves nothing)', async () => {
      const findings = await sidecar(REQUEST, envoyReply('502 Bad Gateway', '{"error":"payment backend down"}'), (leg) => {
        leg.client(REQUEST);
        leg.server('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 32\r\n\r\n{"error":"payment backend down"}');
      });
      assert.deepEqual(findings, []);
    });

    it('on nginx\'s own page for a status that is not a gateway error (404)', async () => {
      const page = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
      const findings = await sidecar(REQUEST, `HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Length: ${page.length}\r\n\r\n${page}`, (leg) => {
        leg.client(REQUEST);
        leg.server(BROKEN);
      });
      assert.deepEqual(findings, []);
    });
  });

  it('candidateStreams: from the rows alone, the streams with a 502/503/504 and those with the same request; none without such a status', async () => {
    const capture = new Capture();
    const client = capture.connection(0, APP, POD);
    const upstream = capture.connection(1, SIDECAR, APP_PORT);
    const otherPath = capture.connection(2, SIDECAR, APP_PORT);
    const notHttp = capture.connection(3, SIDECAR, APP_PORT);
    for (const leg of [client, upstream, otherPath, notHttp]) leg.open();
    client.client(REQUEST);
    upstream.client(REQUEST);
    upstream.server(BROKEN);
    otherPath.client('GET /api/other HTTP/1.1\r\nHost: orders\r\n\r\n');
    otherPath.server('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    notHttp.client('\x16\x03\x01\x00\x05hello');
    const rows = () => capture.analyse().then((streams) => [...streams.values()].map(summarizeConversation));
    assert.deepEqual([...proxyGeneratedError.candidateStreams!(await rows())], []);
    client.server(envoyReply('502 Bad Gateway', ENVOY_UPE));
    assert.deepEqual([...proxyGeneratedError.candidateStreams!(await rows())].sort(), [0, 1]);
    assert.equal((await capture.findings()).filter((f) => f.ruleId === PROXY_GENERATED_ERROR).length, 1);
  });

  describe('recognizeProxyError', () => {
    const response = (raw: string): [HttpResponse, Uint8Array] => {
      const data = bytes(raw);
      const outcome = parseHttpMessage(data, 0, 'response', { requestMethod: 'GET' });
      assert.ok('message' in outcome);
      return [outcome.message as HttpResponse, data];
    };
    const recognize = (raw: string) => recognizeProxyError(...response(raw));

    it('Envoy: the reset-reason body, including the retried form, with or without its Server header', () => {
      assert.deepEqual(recognize(envoyReply('502 Bad Gateway', ENVOY_UPE)), { proxy: 'Envoy', detail: 'reset reason: protocol error' });
      const retried = 'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: 111';
      assert.deepEqual(recognize(`HTTP/1.1 503 Service Unavailable\r\ncontent-length: ${retried.length}\r\n\r\n${retried}`), {
        proxy: 'Envoy',
        detail: 'reset reason: remote connection failure, transport failure reason: delayed connect error: 111',
      });
      assert.deepEqual(recognize(envoyReply('503 Service Unavailable', 'no healthy upstream')), { proxy: 'Envoy', detail: 'no healthy upstream' });
    });

    it('nginx: its built-in 502/503/504 pages, also when chunked', () => {
      assert.deepEqual(recognize(nginxReply(NGINX_502)), { proxy: 'nginx' });
      const page504 = '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
      const half = Math.floor(page504.length / 2);
      const chunked = `HTTP/1.1 504 Gateway Time-out\r\nTransfer-Encoding: chunked\r\n\r\n${half.toString(16)}\r\n${page504.slice(0, half)}\r\n${(page504.length - half).toString(16)}\r\n${page504.slice(half)}\r\n0\r\n\r\n`;
      assert.deepEqual(recognize(chunked), { proxy: 'nginx' });
    });

    it('HAProxy: its built-in pages, with the sentence that says why', () => {
      const page = (status: string, sentence: string) => {
        const body = `<html><body><h1>${status}</h1>\n${sentence}\n</body></html>\n`;
        return `HTTP/1.1 ${status}\r\ncontent-length: ${body.length}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n${body}`;
      };
      assert.deepEqual(recognize(page('502 Bad Gateway', 'The server returned an invalid or incomplete response.')), {
        proxy: 'HAProxy',
        detail: 'The server returned an invalid or incomplete response.',
      });
      assert.deepEqual(recognize(page('503 Service Unavailable', 'No server is available to handle this request.'))?.proxy, 'HAProxy');
      assert.deepEqual(recognize(page('504 Gateway Time-out', "The server didn't respond in time."))?.proxy, 'HAProxy');
    });

    it('not: an application 502, a 200 that quotes a proxy page, a 500', () => {
      assert.equal(recognize('HTTP/1.1 502 Bad Gateway\r\nServer: envoy\r\nContent-Length: 3\r\n\r\nbad'), undefined);
      assert.equal(recognize(`HTTP/1.1 200 OK\r\nContent-Length: ${ENVOY_UPE.length}\r\n\r\n${ENVOY_UPE}`), undefined);
      assert.equal(recognize(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${NGINX_502.length}\r\n\r\n${NGINX_502}`), undefined);
    });
  });

  it('requestKey: method and path, absolute-form reduced as a proxy forwards it', () => {
    const request = (line: string) => {
      const outcome = parseHttpMessage(bytes(`${line}\r\nHost: h\r\n\r\n`), 0, 'request');
      assert.ok('message' in outcome);
      return outcome.message as Parameters<typeof requestKey>[0];
    };
    assert.equal(requestKey(request('GET http://h:8080/a/b?c=1 HTTP/1.1')), 'GET /a/b?c=1');
    assert.equal(requestKey(request('GET http://h HTTP/1.1')), 'GET /');
    assert.equal(requestKey(request('POST /a HTTP/1.1')), 'POST /a');
  });
});
