"""Sequential models and recurrent states do not mix."""

import keras
import numpy as np

x = np.random.rand(32, 10, 8).astype("float32")
h0 = np.ones((32, 16), dtype="float32")

model = keras.Sequential([
    keras.layers.GRU(16, return_sequences=True, return_state=True),
    keras.layers.GRU(16),
    keras.layers.Dense(1),
])

# Keras ignores this state without a word.
regressor = keras.Sequential([keras.layers.GRU(16), keras.layers.Dense(1)])
y = regressor(x, initial_state=h0)

# The state belongs to the call, not the constructor.
gru = keras.layers.GRU(16, initial_state=h0)

# Without return_state the layer returns one tensor.
out, h = keras.layers.GRU(16)(x)

# Stateful layers need a fixed batch size.
inputs = keras.Input(shape=(10, 8))
stateful_out = keras.layers.LSTM(16, stateful=True)(inputs)
