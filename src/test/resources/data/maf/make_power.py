# Writes a tiny POWER archive file (power/data.npy, 40 x 8) and what the MAF reference preprocessing
# (maf/datasets/power.py, load_data_split_with_noise + load_data_normalised, reproduced below with NumPy only)
# makes of it: power_expected_{train,validation,test}.npy. MafDataTest checks the Java loader against them.
# Run from this folder: python3 make_power.py
import os
import numpy as np

os.makedirs('power', exist_ok=True)
src = np.random.RandomState(7)
data = np.round(src.rand(40, 8) * 10, 3)
np.save('power/data.npy', data)

# --- the reference ---
rng = np.random.RandomState(42)
data = np.load('power/data.npy')
rng.shuffle(data)
N = data.shape[0]
data = np.delete(data, 3, axis=1)
data = np.delete(data, 1, axis=1)
voltage_noise = 0.01 * rng.rand(N, 1)
gap_noise = 0.001 * rng.rand(N, 1)
sm_noise = rng.rand(N, 3)
time_noise = np.zeros((N, 1))
noise = np.hstack((gap_noise, voltage_noise, sm_noise, time_noise))
data = data + noise
N_test = int(0.1 * data.shape[0])
data_test = data[-N_test:]
data = data[0:-N_test]
N_validate = int(0.1 * data.shape[0])
data_validate = data[-N_validate:]
data_train = data[0:-N_validate]
data = np.vstack((data_train, data_validate))
mu = data.mean(axis=0)
s = data.std(axis=0)
np.save('power_expected_train.npy', (data_train - mu) / s)
np.save('power_expected_validation.npy', (data_validate - mu) / s)
np.save('power_expected_test.npy', (data_test - mu) / s)
