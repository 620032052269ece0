"""A character-level seq2seq translator, with the initial_state mistakes people make."""

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

BATCH = 64
SRC_LEN, TGT_LEN = 20, 24
SRC_VOCAB, TGT_VOCAB = 71, 93
LATENT = 256

# Encoder: an LSTM returning its final states.
encoder_inputs = keras.Input(shape=(SRC_LEN, SRC_VOCAB), name="encoder_inputs")
_, state_h, state_c = layers.LSTM(128, return_state=True, name="encoder")(encoder_inputs)

# Decoder: initialised from the encoder, but 256 wide -- the states are 128 wide.
decoder_inputs = keras.Input(shape=(TGT_LEN, TGT_VOCAB), name="decoder_inputs")
decoder_lstm = layers.LSTM(LATENT, return_sequences=True, return_state=True, name="decoder")
decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
decoder_outputs = layers.Dense(TGT_VOCAB, activation="softmax")(decoder_outputs)
model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)


def warm_start(batch_x):
    """Run a GRU from a learned start vector -- which has no batch dimension."""
    start = np.zeros((LATENT,), dtype="float32")
    return layers.GRU(LATENT)(batch_x, initial_state=start)


def decode_step(x):
    """An LSTM needs [h, c]; a single tensor is not enough."""
    h0 = np.zeros((BATCH, LATENT))
    return layers.LSTM(LATENT)(x, initial_state=h0)


def mixed_up_states(x, h, c):
    """A GRU reads only initial_state[0]: the LSTM cell state is silently dropped."""
    gru_inputs = np.random.rand(BATCH, TGT_LEN, TGT_VOCAB).astype("float32")
    return layers.GRU(LATENT)(gru_inputs, initial_state=[np.ones((BATCH, LATENT)), np.ones((BATCH, LATENT))])
