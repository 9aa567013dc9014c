// A Python 3 with NumPy for the tests that check our files against NumPy's own
// reading and writing (the .npy files of src/data, python/febm_gpu.py): the
// python3 on the path, else Debian's (python3-numpy, which .ci/run installs).
// Without one those tests fail, saying what to install; they never skip.
import { execFileSync } from 'node:child_process';

export const PYTHON: string | undefined = ['python3', '/usr/bin/python3'].find((p) => {
  try {
    execFileSync(p, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/** The Python to run, or an error that says what to install. */
export function python(): string {
  if (PYTHON === undefined) throw new Error('needs Python 3 with NumPy: apt-get install python3-numpy (.ci/run installs it)');
  return PYTHON;
}
