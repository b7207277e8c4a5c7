/**
 * Content-Length as sent: every comma-separated element of every Content-Length field line
 * (RFC 9110 §8.6 describes "42, 42" lists), each with the field that carried it. Shared by
 * the conflicting-, duplicate- and invalid-content-length rules so they agree on what a value is.
 */
import { fieldsNamed, type HeaderField, type HttpMessage } from '../http/httpMessage';

export interface ContentLengthValue {
  readonly field: HeaderField;
  /** The element as sent (latin1), surrounding spaces and tabs removed. */
  readonly text: string;
  /** The number, when the element is 1*DIGIT (RFC 9110 §8.6); leading zeros allowed. */
  readonly value?: bigint;
}

/** Largest length a JavaScript number holds exactly: beyond it no real body exists, and parsers lose precision. */
export const MAX_SAFE_LENGTH = BigInt(Number.MAX_SAFE_INTEGER);

function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

export function contentLengthValues(message: HttpMessage): ContentLengthValue[] {
  return fieldsNamed(message, 'content-length').flatMap((field) =>
    field.value.split(',').map((element) => {
      const text = trimBlanks(element);
      return /^[0-9]+$/.test(text) ? { field, text, value: BigInt(text) } : { field, text };
    }),
  );
}

/** The distinct fields among values, in message order. */
export function fieldsOf(values: readonly ContentLengthValue[]): HeaderField[] {
  return [...new Set(values.map((v) => v.field))];
}
