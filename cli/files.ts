// Files of the command line that must survive a crash or a kill at any
// moment: a file is written whole or not at all.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` atomically: into a temporary file in the same
 * folder, flushed to the disk (fsync), then renamed over `path` (atomic on
 * POSIX file systems), and the folder flushed so that the rename itself
 * survives a power cut. A reader sees the old file or the new one, never a
 * part of either; a failure leaves the old file and removes the temporary one.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fd = openSync(tmp, 'w');
    try {
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed or never made.
    }
    throw e;
  }
  syncFolder(dirname(path));
}

/** Appends lines (each with its newline) and flushes them to the disk. */
export function appendLines(path: string, lines: string[]): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, lines.map((l) => `${l}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some systems cannot open or flush a folder; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
