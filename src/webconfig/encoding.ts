/**
 * Bytes <-> text for web.config files. The text keeps a UTF-8 BOM as a leading \uFEFF so that
 * encoding it again gives back the same bytes: Exchange's files start with one, and a patch must
 * not add or drop it.
 */
import { fail } from '../diag/diagnostic';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Declared encodings that mean the same bytes as UTF-8 for the files we read. */
const UTF8_COMPATIBLE = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

function describeBom(bytes: Buffer): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'a UTF-16 little-endian byte order mark';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'a UTF-16 big-endian byte order mark';
  return undefined;
}

function encodingError(label: string, what: string, line = 1, col = 1): never {
  return fail(
    'webconfig.encoding',
    `${label} is not UTF-8: ${what}`,
    'hybridcfg edits web.config files as UTF-8 (with or without a byte order mark), the encoding Exchange ' +
      'writes them in. Re-save the file as UTF-8 (for example in PowerShell 5.1: ' +
      "`$t = Get-Content -Raw -Path <file>; [IO.File]::WriteAllText('<file>', $t, (New-Object Text.UTF8Encoding $true))`), " +
      'keep a copy of the original, and run hybridcfg again.',
    { source: { file: label, line, col } },
  );
}

export function decodeWebConfig(bytes: Buffer, label: string): string {
  const bom = describeBom(bytes);
  if (bom !== undefined) encodingError(label, `it starts with ${bom}`);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
    const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
    const col = bytes.subarray(lineStart, at).toString('utf8').replace(/^\uFEFF/, '').length + 1;
    const hex = bytes[at].toString(16).padStart(2, '0');
    return encodingError(label, `the byte 0x${hex} at offset ${at} is not valid UTF-8`, line, col);
  }
  // UTF-16 without a BOM decodes as "valid" UTF-8 full of NUL characters.
  if (text.includes('\u0000')) encodingError(label, 'it contains NUL bytes (is it UTF-16 without a byte order mark?)');
  const declared = /^\uFEFF?<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1];
  // A declaration of another encoding is harmless while every byte is ASCII; beyond that the
  // declared encoding and our UTF-8 reading would disagree about the characters.
  if (declared !== undefined && !UTF8_COMPATIBLE.has(declared.toLowerCase()) && bytes.some((b) => b > 0x7f)) {
    encodingError(label, `its XML declaration says encoding="${declared}" and it contains non-ASCII bytes`);
  }
  return text;
}

export function encodeWebConfig(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (only called when one exists). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    try {
      UTF8.decode(bytes.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return Math.max(0, bytes.length - 1);
}
