"""febm_gpu.py: febm-gpu's checkpoints in Python, with NumPy only.

Reads a checkpoint that `febm-gpu train` or Trainer.saveCheckpoint wrote
(the format: the comment at the top of the package's src/checkpoint/format.ts;
docs/python.md), checks it as the library does (magic, version, lengths,
CRC-32), and gives back its configuration, its named float32 arrays and the
trained networks as float64 functions:

    import febm_gpu
    ck = febm_gpu.load('out/train/checkpoint.febm')
    ck.iteration, ck.config['energy']      # 2000, {'inputDim': 2, 'hidden': [128, 128], ...}
    ck.arrays['sampler.chains']            # the chains, shape (chains, inputDim), float32
    E = ck.energy()                        # E(x) of rows x, shape (n, d) -> (n,), float64
    E(x)
    E(x, labels=y)                         # a class-conditional model: x without the one-hot
    H = ck.variational()                   # the f-EBM critic H(x) (None in CD mode)
    for W, b in E.layers: ...              # dense float64 layers, W (fanOut, fanIn), b (fanOut,):
                                           # torch.nn.Linear's weight and bias layout

From a shell: `python3 febm_gpu.py CHECKPOINT [--npz OUT]` prints what the
file holds; with --npz it writes every array and each network's dense layers
(energy.W0, energy.b0, ..., variational.W0, ...) to one .npz file.
"""

import json
import sys
import zlib

import numpy as np

MAGIC = b'FEBMCKPT'
VERSION = 1
_CHECKSUM_PREFIX = b'{"checksum":"crc32:'
_FIXED = 16
_DIGITS_AT = _FIXED + len(_CHECKSUM_PREFIX)  # 35
_DIGITS_END = _DIGITS_AT + 8  # 43
_LEAKY_SLOPE = 0.2


class CheckpointError(ValueError):
    """A file that is not a readable febm-gpu checkpoint; `kind` as the library's CheckpointError."""

    def __init__(self, kind, message, offset=None):
        super().__init__(message if offset is None else f'{message} (at byte {offset})')
        self.kind = kind
        self.offset = offset


def _round_up4(n):
    return (n + 3) // 4 * 4


def _activation(kind):
    if kind == 'silu':
        # z sigmoid(z), with sigmoid(z) = (1 + tanh(z / 2)) / 2: no overflow for large |z|.
        return lambda z: z * 0.5 * (1.0 + np.tanh(0.5 * z))
    if kind == 'tanh':
        return np.tanh
    if kind == 'relu':
        return lambda z: np.maximum(z, 0.0)
    if kind == 'leaky_relu':
        return lambda z: np.where(z > 0, z, _LEAKY_SLOPE * z)
    raise CheckpointError('header', f'unknown activation {kind!r}: expected silu, tanh, relu or leaky_relu')


def unpack_mlp(spec, flat):
    """Dense float64 layers [(W, b), ...] of an MLP spec {'inputDim', 'hidden'} from its packed parameters.

    The packing (src/mlp/params.ts): layer l maps sizes[l] -> sizes[l+1], sizes =
    [inputDim, *hidden, 1]; W row-major, one row per output unit, rows and
    columns padded to a multiple of 4, then the bias padded to 4.
    """
    sizes = [int(spec['inputDim']), *[int(w) for w in spec['hidden']], 1]
    flat = np.asarray(flat)
    layers = []
    offset = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        stride, rows = _round_up4(fan_in), _round_up4(fan_out)
        end = offset + rows * stride + rows
        if end > flat.size:
            raise CheckpointError('layout', f'packed parameters of {sizes} need more than the {flat.size} values given')
        W = flat[offset:offset + rows * stride].reshape(rows, stride)[:fan_out, :fan_in]
        b = flat[offset + rows * stride:offset + rows * stride + fan_out]
        layers.append((W.astype(np.float64), b.astype(np.float64)))
        offset = end
    if offset != flat.size:
        raise CheckpointError('layout', f'packed parameters of {sizes} hold {offset} values, the array {flat.size}')
    return layers


class Mlp:
    """A trained network as a float64 function: rows (n, d) -> (n,)."""

    def __init__(self, spec, flat, classes=0):
        self.spec = spec
        self.classes = int(classes)
        self.layers = unpack_mlp(spec, flat)
        self._act = _activation(spec['activation'])

    @property
    def input_dim(self):
        return int(self.spec['inputDim'])

    def __call__(self, x, labels=None):
        """The network's output for rows x; for a class-conditional model, x without the one-hot and labels in [0, classes)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None, :]
        if self.classes > 0:
            if labels is None:
                raise ValueError(f'labels: this model is class-conditional ({self.classes} classes): give one label per row')
            labels = np.asarray(labels).reshape(-1)
            if labels.shape[0] != x.shape[0]:
                raise ValueError(f'labels: {labels.shape[0]} labels for {x.shape[0]} rows')
            if labels.size and (labels.min() < 0 or labels.max() >= self.classes or np.any(labels != np.floor(labels))):
                raise ValueError(f'labels: must be integers in [0, {self.classes - 1}]')
            x = np.concatenate([x, np.eye(self.classes)[labels.astype(np.int64)]], axis=1)
        elif labels is not None:
            raise ValueError('labels: this model is unconditional (classes 0)')
        if x.shape[1] != self.input_dim:
            width = self.input_dim - self.classes
            raise ValueError(f'x: rows of {width} values expected, got {x.shape[1] - self.classes}')
        h = x
        for l, (W, b) in enumerate(self.layers):
            h = h @ W.T + b
            if l + 1 < len(self.layers):
                h = self._act(h)
        return h[:, 0]


class Checkpoint:
    """A checkpoint's header fields and arrays; energy() and variational() give its networks."""

    def __init__(self, header, arrays):
        self.header = header
        self.arrays = arrays
        self.config = header.get('config')
        self.iteration = header.get('iteration')
        self.meta = header.get('meta', {})

    def _network(self, key, array):
        if not isinstance(self.config, dict) or key not in self.config or array not in self.arrays:
            return None
        return Mlp(self.config[key], self.arrays[array], self.config.get('classes', 0) or 0)

    def energy(self):
        """E, the energy: the model is exp(-E(x)) / Z."""
        net = self._network('energy', 'energy.params')
        if net is None:
            raise CheckpointError('header', 'not a trainer checkpoint: no energy in its config or no energy.params array')
        return net

    def variational(self):
        """H, the f-EBM critic (None for a contrastive-divergence run)."""
        return self._network('variational', 'variational.params')


def loads(data):
    """A Checkpoint from the bytes of a file; CheckpointError names what is wrong and where."""
    b = bytes(data)
    if len(b) < _FIXED:
        raise CheckpointError('truncated', f'{len(b)} bytes: shorter than the {_FIXED} bytes of the fixed fields')
    if b[:8] != MAGIC:
        raise CheckpointError('magic', f'not a febm-gpu checkpoint: the file starts with {b[:8]!r}, not {MAGIC!r}', 0)
    version, header_len = np.frombuffer(b[8:16], dtype='<u4')
    if version != VERSION:
        raise CheckpointError('version', f'format version {version}: this reader knows version {VERSION}', 8)
    data_at = _FIXED + int(header_len)
    data_at += (4 - data_at % 4) % 4
    if len(b) < data_at:
        raise CheckpointError('truncated', f'the header says {header_len} bytes of JSON, the file ends at byte {len(b)}', 12)
    if not b[_FIXED:].startswith(_CHECKSUM_PREFIX) or header_len < len(_CHECKSUM_PREFIX) + 9:
        raise CheckpointError('header', f'the JSON header does not begin with {_CHECKSUM_PREFIX.decode()}', _FIXED)
    try:
        header = json.loads(b[_FIXED:_FIXED + int(header_len)].decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError('header', f'the header is not UTF-8 JSON: {e}', _FIXED) from None
    payload = header.get('payloadBytes') if isinstance(header, dict) else None
    if not isinstance(payload, int) or payload < 0 or payload % 4:
        raise CheckpointError('header', f'payloadBytes must be a non-negative multiple of 4, got {payload!r}', _FIXED)
    if len(b) != data_at + payload:
        kind = 'truncated' if len(b) < data_at + payload else 'layout'
        raise CheckpointError(kind, f'the header says {data_at + payload} bytes in all, the file has {len(b)}', data_at)
    digits = b[_DIGITS_AT:_DIGITS_END].decode('ascii', errors='replace')
    crc = zlib.crc32(b[_DIGITS_END:], zlib.crc32(b[:_DIGITS_AT]))
    if f'{crc:08x}' != digits:
        raise CheckpointError('checksum', f'CRC-32 {crc:08x} of the file, the header says {digits}: the file is damaged', _DIGITS_AT)
    values = np.frombuffer(b, dtype='<f4', count=payload // 4, offset=data_at)
    arrays = {}
    for a in header.get('arrays', []):
        name, offset, length = a.get('name'), a.get('offset'), a.get('length')
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 0 or offset + length > values.size:
            raise CheckpointError('layout', f'array {name!r} at {offset} of length {length} falls outside the payload of {values.size} values')
        arrays[name] = values[offset:offset + length].copy()
    config = header.get('config')
    if isinstance(config, dict) and 'energy' in config:
        # The chains and the replay buffer as rows of the networks' input.
        dim = int(config['energy']['inputDim'])
        for name in ('sampler.chains', 'replay'):
            if name in arrays and arrays[name].size % dim == 0:
                arrays[name] = arrays[name].reshape(-1, dim)
    return Checkpoint(header, arrays)


def load(path):
    """A Checkpoint from a file path."""
    with open(path, 'rb') as f:
        return loads(f.read())


def _main(argv):
    import argparse

    parser = argparse.ArgumentParser(prog='febm_gpu.py', description='Read a febm-gpu checkpoint; optionally write its arrays and networks to a .npz.')
    parser.add_argument('checkpoint')
    parser.add_argument('--npz', help='write every array and the dense layers of E and H (energy.W0, energy.b0, ...) to this .npz file')
    args = parser.parse_args(argv)
    try:
        ck = load(args.checkpoint)
    except (OSError, CheckpointError) as e:
        print(f'febm_gpu.py: {args.checkpoint}: {e}', file=sys.stderr)
        return 2
    print(f'{args.checkpoint}: iteration {ck.iteration}')
    for name, a in ck.arrays.items():
        print(f'  {name}: {"x".join(map(str, a.shape))} float32')
    out = dict(ck.arrays)
    for key, net in (('energy', ck.energy()), ('variational', ck.variational())):
        if net is None:
            continue
        shape = ' -> '.join(str(W.shape[1]) for W, _ in net.layers) + ' -> 1'
        print(f'  {key}: MLP {shape}, {net.spec["activation"]}' + (f', {net.classes} classes (one-hot last)' if net.classes else ''))
        for l, (W, b) in enumerate(net.layers):
            out[f'{key}.W{l}'] = W
            out[f'{key}.b{l}'] = b
    if args.npz:
        np.savez(args.npz, **out)
        print(f'wrote {args.npz}')
    return 0


if __name__ == '__main__':
    sys.exit(_main(sys.argv[1:]))
