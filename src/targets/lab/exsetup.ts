/**
 * A lab server's Bin/ExSetup.exe: the template (fixtures/lab/ExSetup.template.exe, built from
 * scripts/exsetup-template/ExSetup.cs) with its placeholder version replaced by the server's build. .NET
 * reads a managed file's FileVersionInfo from the assembly's metadata on Linux and from its Win32
 * version resource on Windows; both carry the placeholder, as text (UTF-8 and UTF-16) and as numbers.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseBuild } from '../../domain/builds';
import { packageRoot } from './captures';
import { exSetupFileVersion } from './profiles';

const PLACEHOLDER = '99.98.9997.996';
const PLACEHOLDER_PARTS = [99, 98, 9997, 996] as const;

/** VS_FIXEDFILEINFO's dwFileVersionMS and dwFileVersionLS (and the product's): two DWORDs, little-endian. */
function fixedVersion(parts: readonly number[]): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(((parts[0]! << 16) | parts[1]!) >>> 0, 0);
  b.writeUInt32LE(((parts[2]! << 16) | parts[3]!) >>> 0, 4);
  return b;
}

function replaceAll(bytes: Buffer, from: Buffer, to: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(from); i >= 0; i = bytes.indexOf(from, i + to.length)) {
    to.copy(bytes, i);
    count++;
  }
  return count;
}

let template: Buffer | undefined;

/** The bytes of ExSetup.exe for a build (`15.2.1748.43`): FileVersion `15.02.1748.043`, as Exchange's. */
export function exSetupBytes(build: string): Buffer {
  template ??= readFileSync(path.join(packageRoot(), 'fixtures', 'lab', 'ExSetup.template.exe'));
  const parts = parseBuild(build);
  if (!parts) throw new Error(`not a build: ${build}`);
  const text = exSetupFileVersion(build);
  const bytes = Buffer.from(template);
  const found = [
    replaceAll(bytes, Buffer.from(PLACEHOLDER, 'utf8'), Buffer.from(text, 'utf8')),
    replaceAll(bytes, Buffer.from(PLACEHOLDER, 'utf16le'), Buffer.from(text, 'utf16le')),
    replaceAll(bytes, fixedVersion(PLACEHOLDER_PARTS), fixedVersion(parts)),
  ];
  // The template was built for this: metadata once, the version resource's two strings and two numbers.
  if (found.join(',') !== '1,2,2') throw new Error(`fixtures/lab/ExSetup.template.exe does not carry its placeholder as expected (${found.join(',')})`);
  return bytes;
}

/**
 * The FileVersion string of a file's Win32 version resource (the String "FileVersion" of its
 * StringFileInfo: key, padding, value, UTF-16): what FileVersionInfo.FileVersion gives on Windows.
 * undefined when the file has none.
 */
export function readFileVersion(bytes: Buffer): string | undefined {
  const key = Buffer.from('FileVersion\0', 'utf16le');
  const at = bytes.indexOf(key);
  if (at < 0) return undefined;
  let i = at + key.length;
  while (i + 1 < bytes.length && bytes[i] === 0 && bytes[i + 1] === 0) i += 2;
  let end = i;
  while (end + 1 < bytes.length && !(bytes[end] === 0 && bytes[end + 1] === 0)) end += 2;
  const value = bytes.subarray(i, end).toString('utf16le');
  return value === '' ? undefined : value;
}
