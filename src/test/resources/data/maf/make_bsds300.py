# Writes a tiny BSDS300/BSDS300.hdf5 in the MAF archive's layout (datasets 'train', 'validation', 'test',
# float32, 63 columns) with h5py, as the real file was written; the values are i*1000 + j (+0.5 in validation,
# +0.25 in test) so MafDataTest can check every element. Run with the Debian python3-h5py:
#   /usr/bin/python3 make_bsds300.py
import os
import numpy as np
import h5py

os.makedirs('BSDS300', exist_ok=True)
def part(n, extra):
    return (np.arange(n)[:, None] * 1000 + np.arange(63)[None, :] + extra).astype(np.float32)
with h5py.File('BSDS300/BSDS300.hdf5', 'w') as f:
    f.create_dataset('train', data=part(5, 0.0))
    f.create_dataset('validation', data=part(2, 0.5), chunks=(1, 63), compression='gzip')
    f.create_dataset('test', data=part(3, 0.25))
