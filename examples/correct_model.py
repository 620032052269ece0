"""A correct encoder-decoder: gru-lint has nothing to say about it."""

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

LATENT = 64

encoder_inputs = keras.Input(shape=(None, 32))
encoder = layers.Bidirectional(layers.LSTM(LATENT, return_state=True))
_, fh, fc, bh, bc = encoder(encoder_inputs)
state_h = layers.Concatenate()([fh, bh])
state_c = layers.Concatenate()([fc, bc])

decoder_inputs = keras.Input(shape=(None, 40))
decoder = layers.LSTM(2 * LATENT, return_sequences=True)
decoded = decoder(decoder_inputs, initial_state=[state_h, state_c])
outputs = layers.Dense(40, activation="softmax")(decoded)
model = keras.Model([encoder_inputs, decoder_inputs], outputs)


def run_gru(x):
    """A zero state sized from the input at run time."""
    h0 = tf.zeros((tf.shape(x)[0], LATENT))
    return layers.GRU(LATENT)(x, initial_state=h0)
