/**
 * Live-capture stop conditions as people type them ("30s 1000 packets 10MB") and back. Pure, so
 * the extension's input box and the tests share one reading of the text.
 */
import type { CaptureLimits } from './model';

const DURATION_UNITS: Record<string, number> = { s: 1, sec: 1, secs: 1, second: 1, seconds: 1, m: 60, min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hour: 3600, hours: 3600 };
const PACKET_UNITS = new Set(['p', 'pkt', 'pkts', 'packet', 'packets']);
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 };

export type ParsedLimits = { readonly limits: CaptureLimits } | { readonly error: string };

/**
 * Reads "30s", "2 min", "1000 packets", "10 MB" in any order and combination (empty: no limit).
 * Units ignore case; `m` means minutes, megabytes are `MB`.
 */
export function parseCaptureLimits(text: string): ParsedLimits {
  const limits: { durationSeconds?: number; packets?: number; bytes?: number } = {};
  const tokens = text.replace(/,/g, ' ').trim().match(/\d+(?:\.\d+)?\s*[a-z]+|\S+/gi) ?? [];
  for (const token of tokens) {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(token);
    if (!match) return { error: `"${token}" is not a limit: write a number and a unit, such as 30s, 1000 packets or 10 MB.` };
    const value = Number(match[1]);
    const unit = match[2];
    const lower = unit.toLowerCase();
    if (value <= 0) return { error: `"${token}" must be more than zero.` };
    if (Object.hasOwn(SIZE_UNITS, lower)) {
      limits.bytes = Math.round(value * SIZE_UNITS[lower]);
    } else if (Object.hasOwn(DURATION_UNITS, lower)) {
      limits.durationSeconds = value * DURATION_UNITS[lower];
    } else if (PACKET_UNITS.has(lower)) {
      if (!Number.isInteger(value)) return { error: `"${token}": a packet count is a whole number.` };
      limits.packets = value;
    } else {
      return { error: `"${unit}" is not a unit Wirelens knows: use s, min or h; packets; kB, MB or GB.` };
    }
  }
  return { limits };
}

/** "30 s, 1000 packets, 10 MB", or "no limit". */
export function formatCaptureLimits(limits: CaptureLimits | undefined): string {
  const parts: string[] = [];
  if (limits?.durationSeconds) parts.push(`${limits.durationSeconds} s`);
  if (limits?.packets) parts.push(`${limits.packets} packets`);
  if (limits?.bytes) parts.push(limits.bytes >= 1e6 ? `${+(limits.bytes / 1e6).toFixed(1)} MB` : `${+(limits.bytes / 1e3).toFixed(1)} kB`);
  return parts.length ? parts.join(', ') : 'no limit';
}
