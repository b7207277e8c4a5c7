import type { Direction } from '../../../protocol/model';
import { fieldsNamed, type HttpResponse } from '../http/httpMessage';
import { directionOf } from '../tcp/tcpReassembler';
import { describeField, fieldRange, lineRange, type ConnectionRule, type RuleHit } from './rule';
import { contentLengthValues } from './contentLengthValues';
import { bytesAfter } from './directionEnd';

type Hit = RuleHit & { readonly direction: Direction };

/** Why a response cannot have a body (RFC 9112 §6.3 item 1), or undefined when it can. */
function bodiless(response: HttpResponse, requestMethod: string | undefined): string | undefined {
  const status = response.statusLine.status;
  if (requestMethod?.toUpperCase() === 'HEAD') return 'a response to HEAD';
  if (status >= 100 && status < 200) return `a ${status} (1xx) response`;
  if (status === 204) return 'a 204 No Content response';
  if (status === 304) return 'a 304 Not Modified response';
  return undefined;
}

/**
 * A response that cannot have a body (1xx, 204, 304, any answer to HEAD) followed by bytes that
 * are not the next response, or a 1xx/204 that declares a body with Transfer-Encoding or a
 * non-zero Content-Length (RFC 9110 §8.6, RFC 9112 §6.1 forbid both there). On a 304 or a HEAD
 * response those fields describe the body a GET would get, which RFC 9110 §8.6 allows.
 */
export const bodyOnBodilessResponse: ConnectionRule = {
  scope: 'connection',
  id: 'body-on-bodiless-response',
  title: 'Body on a response that cannot have one',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '6.3', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-6.3' },
  description:
    'A response that cannot have a body (a 1xx, 204 or 304, or any response to HEAD) is followed by bytes that are not the next response, or a 1xx or 204 declares a body with Transfer-Encoding or a non-zero Content-Length, which RFC 9110 §8.6 and RFC 9112 §6.1 forbid there. ' +
    'RFC 9112 §6.3 ends such a response at the empty line after its header section whatever its fields say, so the extra bytes are read as the start of the next response: a client or proxy that reads them as a body and one that does not disagree on every later response on the connection (response splitting, desync). ' +
    'Content-Length or Transfer-Encoding on a 304 or on a response to HEAD describes the body a GET would get; RFC 9110 allows it and it is not reported.',
  example: {
    request: 'HEAD /file HTTP/1.1\r\nHost: example.com\r\n\r\n',
    response: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary:
        'A 204 with Transfer-Encoding (http1.transfer_encoding_not_allowed) or with a non-zero Content-Length (http1.content_length_not_allowed) resets the upstream → 502 UPE; "Content-Length: 0" on a 204 is removed silently; on a 304 neither field is checked. Bytes after the header section of a 204, 304 or HEAD response are "extraneous data after response complete": the client still gets the bodiless response, and the upstream connection is closed.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/http1/codec_impl.cc ClientConnectionImpl::onHeadersCompleteBase (1xx and 204 checks), ClientConnectionImpl::dispatch (extraneous data after response complete)',
    },
  ],
  check({ connection, http }) {
    const hits: Hit[] = [];
    const direction: Direction = 'server-to-client';
    const { bytes, gaps } = directionOf(connection, direction);
    const requestOf = new Map<HttpResponse, string | undefined>();
    for (const exchange of http.exchanges) {
      for (const interim of exchange.interim) requestOf.set(interim, exchange.request?.requestLine.method);
      if (exchange.response) requestOf.set(exchange.response, exchange.request?.requestLine.method);
    }
    for (const response of http.responses) {
      const why = bodiless(response, requestOf.get(response));
      if (!why) continue;
      const status = response.statusLine.status;
      // Declared bodies that RFC 9110 §8.6 / RFC 9112 §6.1 forbid: 1xx and 204 only.
      if (status < 200 || status === 204) {
        for (const field of fieldsNamed(response, 'transfer-encoding')) {
          hits.push({ direction, ...fieldRange(field), message: `"${describeField(field)}" on ${why}: RFC 9112 §6.1 forbids Transfer-Encoding there, and a recipient that honours it waits for a body that is not coming. Envoy rejects a 204 with it (502 UPE).` });
        }
        for (const value of contentLengthValues(response)) {
          if (value.value === undefined || value.value === 0n) continue;
          hits.push({ direction, ...fieldRange(value.field), message: `"${describeField(value.field)}" on ${why}: RFC 9110 §8.6 forbids Content-Length there, and a recipient that honours it reads ${value.value} bytes of the next response as a body. Envoy rejects a 204 with it (502 UPE).` });
          break;
        }
      }
      // Bytes after the header section that do not start another response (a 101 or a tunnel stops on its own reason).
      const extra = bytesAfter(response, bytes, http.stops);
      if (!extra) continue;
      if (gaps.some((gap) => gap.offset >= response.offset)) continue; // the capture lost bytes: they may be the next response
      hits.push({
        direction,
        offset: extra.offset,
        length: extra.length,
        message: extra.strayLineEnds
          ? `${extra.length} stray line-end ${extra.length === 1 ? 'byte follows' : 'bytes follow'} ${why}, which ends at its header section (RFC 9112 §6.3), before the next response. Parsers that skip empty lines before a status line carry on; one that does not fails on the next response.`
          : `${extra.length} bytes follow ${why}, which ends at its header section (RFC 9112 §6.3), and they do not begin another response: a client reading them as a body and one reading them as the next response disagree from here on. Envoy treats them as extraneous data and closes the upstream connection.`,
        related: [{ ...lineRange(response.startLine), message: `The bodiless response: ${why}` }],
        ...(extra.strayLineEnds ? { severity: 'warning' as const } : {}),
      });
    }
    return hits;
  },
};
