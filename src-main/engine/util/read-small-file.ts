import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { ErrorCode } from '../../../src-shared/errors/codes.js';

/**
 * Read a small configuration file (an SSH key, a known_hosts file) whose path came from a profile
 * or a request, never trusting what the path names: a FIFO would block the read forever, a device
 * like /dev/zero or a huge file would fill memory. The file is opened without blocking and checked
 * on the open handle (no swap between check and read), then read up to `maxBytes`.
 * Returns null when the file does not exist.
 */
export async function readSmallFile(path: string, maxBytes: number, what: string, code: ErrorCode): Promise<Buffer | null> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new LifeboatError(code, `${what} ${path} cannot be read: ${e.message}. Check the path and its permissions.`, { path });
  });
  if (!fh) return null;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new LifeboatError(code, `${what} ${path} is not a regular file (a FIFO, device or folder). Give the path of the file itself.`, { path });
    if (st.size > maxBytes) throw new LifeboatError(code, `${what} ${path} is ${st.size} bytes, bigger than the ${maxBytes} such a file can be. Check the path.`, { path });
    const buf = Buffer.alloc(Math.min(st.size, maxBytes));
    // Read what the size promised, never more (a file growing meanwhile is cut at the limit).
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await fh.read(buf, done, buf.length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  } finally {
    await fh.close();
  }
}
