/**
 * The names Wireshark gives the link types the direct reader decodes (wiretap's encapsulation
 * descriptions, as capinfos prints them under "File encapsulation"), so the capture editor's
 * header says what Wireshark would without running capinfos over a file already read once.
 */
import { LinkType } from './linkLayer';

const NAMES = new Map<number, string>([
  [LinkType.NULL, 'NULL/Loopback'],
  [LinkType.ETHERNET, 'Ethernet'],
  [LinkType.RAW, 'Raw IP'],
  [LinkType.LOOP, 'OpenBSD loopback'],
  [LinkType.LINUX_SLL, 'Linux cooked-mode capture v1'],
  [LinkType.IPV4, 'Raw IPv4'],
  [LinkType.IPV6, 'Raw IPv6'],
  [LinkType.LINUX_SLL2, 'Linux cooked-mode capture v2'],
]);

/**
 * The file's encapsulation as capinfos names it: its interfaces' one link type, or "Per packet"
 * when they differ. Undefined when there is no interface, or one whose name is not known here.
 */
export function fileEncapsulationName(linkTypes: readonly number[]): string | undefined {
  const names = new Set(linkTypes.map((linkType) => NAMES.get(linkType)));
  if (names.size === 0 || names.has(undefined)) return undefined;
  return names.size === 1 ? [...names][0] : 'Per packet';
}
