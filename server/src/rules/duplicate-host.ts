import { fieldsNamed } from '../http/httpMessage';
import { escapeLatin1 } from '../text/escapeBytes';
import { describeField, fieldRange, type MessageRule } from './rule';

/**
 * More than one Host field line, or one Host field carrying a list (RFC 9112 §3.2): a server must
 * answer 400. Hops that pick the first, the last or the joined value route the request to
 * different virtual hosts (host-header confusion, cache poisoning).
 */
export const duplicateHost: MessageRule = {
  scope: 'message',
  id: 'duplicate-host',
  title: 'Host sent more than once or as a list',
  severity: 'error',
  rfc: { document: 'RFC 9112', section: '3.2', url: 'https://www.rfc-editor.org/rfc/rfc9112#section-3.2' },
  description:
    'A request carries more than one Host field line (names are case-insensitive), or one Host field whose value is a comma-separated list. ' +
    'RFC 9112 §3.2 requires a server to answer 400 (Bad Request) to any request with more than one Host field line or an invalid Host value, and Host is a single authority, never a list. ' +
    'Implementations that accept it disagree on which host wins (the first, the last, or the joined value), so a front proxy and the backend can route, authorise or cache the request under different hosts.',
  example: { request: 'GET / HTTP/1.1\r\nHost: public.example.com\r\nHost: internal.example.com\r\n\r\n' },
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'accept-with-rewrite',
      summary:
        'Accepts repeated Host lines and joins them: the codec maps every Host line to the :authority header and appends repeats with "," (no space), and "," passes the authority character check, so the request goes on with :authority "a,b"; which route matches that depends on the route table (not traced). ' +
        'A single Host value containing a space ("a, b") fails the authority check instead: 400, http.invalid_authority.',
      source: 'cited',
      reference:
        'envoyproxy/envoy source/common/http/header_map_impl.cc StaticLookupTable (host → :authority), HeaderMapImpl::insertByKey / appendToHeader; source/common/http/header_utility.cc HeaderUtility::requestHeadersValid, authorityIsValid (check_authority_h1_h2); source/common/http/http1/codec_impl.cc ServerConnectionImpl::onHeadersCompleteBase',
    },
  ],
  check({ message }) {
    if (message.kind !== 'request') return [];
    const hosts = fieldsNamed(message, 'host');
    if (hosts.length >= 2) {
      const [first, ...repeats] = hosts;
      const all = hosts.map((field) => `"${describeField(field)}"`).join(', ');
      return [
        {
          ...fieldRange(repeats[0]),
          message: `Host appears ${hosts.length} times (${all}): RFC 9112 §3.2 requires a server to answer 400. Hops that take the first, the last or the joined value route this request to different hosts; Envoy joins them into :authority "${hosts.map((field) => escapeLatin1(field.value)).join(',')}" and accepts it.`,
          related: [first, ...repeats.slice(1)].map((field) => ({ ...fieldRange(field), message: `Also Host: "${describeField(field)}"` })),
        },
      ];
    }
    const [host] = hosts;
    if (!host || !host.value.includes(',')) return [];
    const envoy = /[ \t]/.test(host.value)
      ? 'Envoy rejects it (400 http.invalid_authority: a space is not an authority character).'
      : 'Envoy accepts it with that value as :authority.';
    return [
      {
        ...fieldRange(host),
        message: `Host carries a list ("${describeField(host)}"): Host is a single authority, and RFC 9112 §3.2 requires a server to answer 400 to an invalid Host value. Hops that take one element or the whole value route the request differently. ${envoy}`,
      },
    ];
  },
};
