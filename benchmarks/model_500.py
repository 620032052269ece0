"""Sequence-to-sequence "translation" with recurrent encoder-decoders.

A self-contained training script: it synthesises a toy parallel corpus (English
number words to reversed French number words), builds a tf.data pipeline with
TextVectorization, and trains one of three encoder-decoder models:

* ``gru``     bidirectional GRU encoder, GRU decoder with dot-product attention
* ``lstm``    bidirectional LSTM encoder, LSTM decoder with additive attention
* ``stacked`` two stacked GRU cells wrapped in ``keras.layers.RNN``

After training, it decodes a few held-out sentences greedily with separate
encoder / one-step decoder models that share the trained layers.

    python model_500.py --cell gru --epochs 20
    python model_500.py --smoke          # a few steps of every model
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

LOG = logging.getLogger("seq2seq")

START = "[start]"
END = "[end]"

EN_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
FR_WORDS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]


# --------------------------------------------------------------------------- config


@dataclass
class Config:
    cell: str = "gru"
    units: int = 64
    embed_dim: int = 32
    vocab_size: int = 64
    seq_len: int = 12
    batch_size: int = 64
    epochs: int = 20
    learning_rate: float = 2e-3
    dropout: float = 0.1
    num_pairs: int = 6000
    val_fraction: float = 0.1
    seed: int = 1234
    steps_per_epoch: int = 0  # 0: the whole training set
    out_dir: str = "runs/seq2seq"
    extra: Dict[str, str] = field(default_factory=dict)

    @property
    def max_words(self) -> int:
        # target sentences carry [start] or [end] on top of the words
        return self.seq_len - 1

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


# ----------------------------------------------------------------------------- data


def make_pairs(n: int, max_words: int, rng: random.Random) -> List[Tuple[str, str]]:
    """English digit words -> French digit words in reverse order."""
    pairs = []
    for _ in range(n):
        length = rng.randint(2, max_words)
        digits = [rng.randrange(10) for _ in range(length)]
        source = " ".join(EN_WORDS[d] for d in digits)
        target = " ".join(FR_WORDS[d] for d in reversed(digits))
        pairs.append((source, target))
    return pairs


def split_pairs(pairs: Sequence[Tuple[str, str]], val_fraction: float) -> Tuple[list, list]:
    n_val = max(1, int(len(pairs) * val_fraction))
    return list(pairs[n_val:]), list(pairs[:n_val])


def build_vectorizers(pairs, cfg: Config) -> Tuple[layers.TextVectorization, layers.TextVectorization]:
    source_vec = layers.TextVectorization(
        max_tokens=cfg.vocab_size,
        output_mode="int",
        output_sequence_length=cfg.seq_len,
        standardize="lower",
        split="whitespace",
    )
    target_vec = layers.TextVectorization(
        max_tokens=cfg.vocab_size,
        output_mode="int",
        output_sequence_length=cfg.seq_len + 1,
        standardize=None,  # keep the brackets of [start] / [end]
        split="whitespace",
    )
    source_vec.adapt([src for src, _ in pairs])
    target_vec.adapt([f"{START} {tgt} {END}" for _, tgt in pairs])
    return source_vec, target_vec


def make_dataset(pairs, source_vec, target_vec, batch_size: int, shuffle: bool, seed: int) -> tf.data.Dataset:
    sources = [src for src, _ in pairs]
    targets = [f"{START} {tgt} {END}" for _, tgt in pairs]
    ds = tf.data.Dataset.from_tensor_slices((sources, targets))
    if shuffle:
        ds = ds.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def vectorize(src, tgt):
        src_ids = source_vec(src)
        tgt_ids = target_vec(tgt)
        decoder_in = tgt_ids[:, :-1]
        decoder_out = tgt_ids[:, 1:]
        return (src_ids, decoder_in), decoder_out

    return ds.map(vectorize, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


class Vocab:
    """Id <-> token lookups for a fitted TextVectorization layer."""

    def __init__(self, vectorizer: layers.TextVectorization):
        self.tokens = list(vectorizer.get_vocabulary())
        self.index = {tok: i for i, tok in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        return self.index[token]

    def decode(self, ids: Sequence[int]) -> str:
        words = []
        for i in ids:
            tok = self.tokens[int(i)]
            if tok == END:
                break
            if tok and tok != START:
                words.append(tok)
        return " ".join(words)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.tokens, ensure_ascii=False), encoding="utf-8")


# --------------------------------------------------------------------------- models


class GRUSeq2Seq:
    """Bidirectional GRU encoder; GRU decoder seeded with both final states."""

    def __init__(self, cfg: Config, src_vocab: int, tgt_vocab: int):
        self.cfg = cfg
        units = cfg.units
        self.src_embed = layers.Embedding(src_vocab, cfg.embed_dim, mask_zero=True, name="src_embed")
        self.encoder = layers.Bidirectional(
            layers.GRU(units, return_sequences=True, return_state=True, dropout=cfg.dropout),
            name="encoder",
        )
        self.merge_states = layers.Concatenate(name="merge_states")
        self.tgt_embed = layers.Embedding(tgt_vocab, cfg.embed_dim, mask_zero=True, name="tgt_embed")
        # the decoder state must match the concatenated forward/backward states
        self.decoder = layers.GRU(2 * units, return_sequences=True, return_state=True, name="decoder")
        self.attention = layers.Attention(name="attention")
        self.join = layers.Concatenate(name="join")
        self.project = layers.Dense(units, activation="tanh", name="project")
        self.classifier = layers.Dense(tgt_vocab, activation="softmax", name="classifier")

    def encode(self, source_ids):
        x = self.src_embed(source_ids)
        enc_seq, forward_h, backward_h = self.encoder(x)
        state = self.merge_states([forward_h, backward_h])
        return enc_seq, [state]

    def decode(self, decoder_ids, enc_seq, states):
        y = self.tgt_embed(decoder_ids)
        dec_seq, state = self.decoder(y, initial_state=states)
        context = self.attention([dec_seq, enc_seq])
        hidden = self.project(self.join([dec_seq, context]))
        return self.classifier(hidden), [state]

    def state_sizes(self) -> List[int]:
        return [2 * self.cfg.units]


class LSTMSeq2Seq(GRUSeq2Seq):
    """Bidirectional LSTM encoder; LSTM decoder with additive attention."""

    def __init__(self, cfg: Config, src_vocab: int, tgt_vocab: int):
        super().__init__(cfg, src_vocab, tgt_vocab)
        units = cfg.units
        self.encoder = layers.Bidirectional(
            layers.LSTM(units, return_sequences=True, return_state=True, dropout=cfg.dropout),
            merge_mode="concat",
            name="encoder",
        )
        self.merge_h = layers.Concatenate(name="merge_h")
        self.merge_c = layers.Concatenate(name="merge_c")
        self.decoder = layers.LSTM(2 * units, return_sequences=True, return_state=True, name="decoder")
        self.attention = layers.AdditiveAttention(name="attention")

    def encode(self, source_ids):
        x = self.src_embed(source_ids)
        enc_seq, fwd_h, fwd_c, bwd_h, bwd_c = self.encoder(x)
        state_h = self.merge_h([fwd_h, bwd_h])
        state_c = self.merge_c([fwd_c, bwd_c])
        return enc_seq, [state_h, state_c]

    def decode(self, decoder_ids, enc_seq, states):
        y = self.tgt_embed(decoder_ids)
        dec_seq, state_h, state_c = self.decoder(y, initial_state=states)
        context = self.attention([dec_seq, enc_seq])
        hidden = self.project(self.join([dec_seq, context]))
        return self.classifier(hidden), [state_h, state_c]

    def state_sizes(self) -> List[int]:
        return [2 * self.cfg.units, 2 * self.cfg.units]


class StackedSeq2Seq(GRUSeq2Seq):
    """Two stacked GRU cells in both encoder and decoder, layer-wise state hand-over."""

    def __init__(self, cfg: Config, src_vocab: int, tgt_vocab: int):
        super().__init__(cfg, src_vocab, tgt_vocab)
        units = cfg.units
        self.encoder = layers.RNN(
            [layers.GRUCell(units, dropout=cfg.dropout), layers.GRUCell(units)],
            return_sequences=True,
            return_state=True,
            name="encoder",
        )
        self.decoder = layers.RNN(
            [layers.GRUCell(units), layers.GRUCell(units)],
            return_sequences=True,
            return_state=True,
            name="decoder",
        )

    def encode(self, source_ids):
        x = self.src_embed(source_ids)
        enc_seq, state_1, state_2 = self.encoder(x)
        return enc_seq, [state_1, state_2]

    def decode(self, decoder_ids, enc_seq, states):
        y = self.tgt_embed(decoder_ids)
        dec_seq, state_1, state_2 = self.decoder(y, initial_state=states)
        context = self.attention([dec_seq, enc_seq])
        hidden = self.project(self.join([dec_seq, context]))
        return self.classifier(hidden), [state_1, state_2]

    def state_sizes(self) -> List[int]:
        return [self.cfg.units, self.cfg.units]


ARCHITECTURES = {"gru": GRUSeq2Seq, "lstm": LSTMSeq2Seq, "stacked": StackedSeq2Seq}


def build_models(cfg: Config, src_vocab: int, tgt_vocab: int):
    """Training model plus encoder / one-step decoder models sharing its layers."""
    arch = ARCHITECTURES[cfg.cell](cfg, src_vocab, tgt_vocab)

    source = keras.Input(shape=(None,), dtype="int64", name="source")
    decoder_in = keras.Input(shape=(None,), dtype="int64", name="decoder_in")
    enc_seq, states = arch.encode(source)
    probs, _ = arch.decode(decoder_in, enc_seq, states)
    train_model = keras.Model([source, decoder_in], probs, name=f"{cfg.cell}_seq2seq")

    encoder_model = keras.Model(source, [enc_seq, *states], name="encoder_model")

    step_token = keras.Input(shape=(1,), dtype="int64", name="step_token")
    step_memory = keras.Input(shape=(None, enc_seq.shape[-1]), name="step_memory")
    step_states = [keras.Input(shape=(size,), name=f"step_state_{i}") for i, size in enumerate(arch.state_sizes())]
    step_probs, new_states = arch.decode(step_token, step_memory, step_states)
    decoder_model = keras.Model(
        [step_token, step_memory, *step_states],
        [step_probs, *new_states],
        name="decoder_step",
    )
    return train_model, encoder_model, decoder_model


class MaskedAccuracy(keras.metrics.Metric):
    """Token accuracy ignoring padding."""

    def __init__(self, name="masked_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = keras.ops.cast(y_true, "int32")
        predicted = keras.ops.cast(keras.ops.argmax(y_pred, axis=-1), "int32")
        mask = keras.ops.cast(keras.ops.not_equal(y_true, 0), "float32")
        hits = keras.ops.cast(keras.ops.equal(y_true, predicted), "float32") * mask
        self.correct.assign_add(keras.ops.sum(hits))
        self.total.assign_add(keras.ops.sum(mask))

    def result(self):
        return self.correct / keras.ops.maximum(self.total, 1.0)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)


def masked_loss(y_true, y_pred):
    loss = keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
    mask = keras.ops.cast(keras.ops.not_equal(y_true, 0), loss.dtype)
    return keras.ops.sum(loss * mask) / keras.ops.maximum(keras.ops.sum(mask), 1.0)


def compile_model(model: keras.Model, cfg: Config) -> None:
    schedule = keras.optimizers.schedules.ExponentialDecay(
        cfg.learning_rate, decay_steps=1000, decay_rate=0.9, staircase=True
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule, clipnorm=1.0),
        loss=masked_loss,
        metrics=[MaskedAccuracy()],
    )


# ------------------------------------------------------------------------ decoding


class GreedyDecoder:
    def __init__(self, encoder_model, decoder_model, source_vec, target_vocab: Vocab, max_len: int):
        self.encoder_model = encoder_model
        self.decoder_model = decoder_model
        self.source_vec = source_vec
        self.vocab = target_vocab
        self.max_len = max_len

    def __call__(self, sentences: Sequence[str]) -> List[str]:
        source_ids = self.source_vec(tf.constant(list(sentences)))
        enc_seq, *states = self.encoder_model(source_ids, training=False)
        batch = len(sentences)
        token = np.full((batch, 1), self.vocab.id(START), dtype="int64")
        done = np.zeros(batch, dtype=bool)
        outputs = np.zeros((batch, self.max_len), dtype="int64")
        end_id = self.vocab.id(END)
        for step in range(self.max_len):
            probs, *states = self.decoder_model([tf.constant(token), enc_seq, *states], training=False)
            next_ids = np.argmax(np.asarray(probs)[:, -1, :], axis=-1)
            next_ids = np.where(done, 0, next_ids)
            outputs[:, step] = next_ids
            done |= next_ids == end_id
            if done.all():
                break
            token = next_ids[:, None].astype("int64")
        return [self.vocab.decode(row) for row in outputs]


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    if not references:
        return 0.0
    hits = sum(p.strip() == r.strip() for p, r in zip(predictions, references))
    return hits / len(references)


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = prediction.split(), reference.split()
    if not pred or not ref:
        return float(pred == ref)
    common = 0
    remaining = list(ref)
    for tok in pred:
        if tok in remaining:
            remaining.remove(tok)
            common += 1
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


# ------------------------------------------------------------------------ training


class TimeHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times: List[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)
        LOG.info("epoch %d took %.1fs: %s", epoch + 1, self.times[-1], _fmt_logs(logs))


def _fmt_logs(logs) -> str:
    return ", ".join(f"{k}={float(v):.4f}" for k, v in sorted((logs or {}).items()))


def make_callbacks(cfg: Config, out_dir: Path) -> list:
    return [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(
            str(out_dir / "best.weights.h5"), monitor="val_loss", save_best_only=True, save_weights_only=True
        ),
        keras.callbacks.CSVLogger(str(out_dir / "history.csv")),
        TimeHistory(),
    ]


def train(cfg: Config) -> Dict[str, float]:
    set_seed(cfg.seed)
    out_dir = Path(cfg.out_dir) / cfg.cell
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg.save(out_dir / "config.json")

    rng = random.Random(cfg.seed)
    pairs = make_pairs(cfg.num_pairs, cfg.max_words, rng)
    train_pairs, val_pairs = split_pairs(pairs, cfg.val_fraction)
    source_vec, target_vec = build_vectorizers(train_pairs, cfg)
    target_vocab = Vocab(target_vec)
    target_vocab.save(out_dir / "target_vocab.json")
    Vocab(source_vec).save(out_dir / "source_vocab.json")

    train_ds = make_dataset(train_pairs, source_vec, target_vec, cfg.batch_size, shuffle=True, seed=cfg.seed)
    val_ds = make_dataset(val_pairs, source_vec, target_vec, cfg.batch_size, shuffle=False, seed=cfg.seed)
    if cfg.steps_per_epoch:
        train_ds = train_ds.repeat()

    model, encoder_model, decoder_model = build_models(
        cfg, src_vocab=source_vec.vocabulary_size(), tgt_vocab=target_vec.vocabulary_size()
    )
    compile_model(model, cfg)
    if LOG.isEnabledFor(logging.DEBUG):
        model.summary(print_fn=LOG.debug)

    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=cfg.epochs,
        steps_per_epoch=cfg.steps_per_epoch or None,
        callbacks=make_callbacks(cfg, out_dir),
        verbose=0,
    )

    decoder = GreedyDecoder(encoder_model, decoder_model, source_vec, target_vocab, max_len=cfg.seq_len)
    sample = val_pairs[: min(64, len(val_pairs))]
    predictions = decoder([src for src, _ in sample])
    references = [tgt for _, tgt in sample]
    for (src, ref), pred in list(zip(sample, predictions))[:3]:
        LOG.info("%s -> %s (expected %s)", src, pred, ref)

    metrics = {
        "val_loss": float(min(history.history["val_loss"])),
        "exact_match": exact_match(predictions, references),
        "token_f1": float(np.mean([token_f1(p, r) for p, r in zip(predictions, references)])),
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


# ----------------------------------------------------------------------------- CLI


def parse_args(argv=None) -> Tuple[Config, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", choices=sorted(ARCHITECTURES), default="gru")
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--embed-dim", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--pairs", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out-dir", default="runs/seq2seq")
    parser.add_argument("--smoke", action="store_true", help="train every model for a few steps")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    cfg = Config(
        cell=args.cell,
        units=args.units,
        embed_dim=args.embed_dim,
        batch_size=args.batch_size,
        epochs=args.epochs,
        learning_rate=args.lr,
        num_pairs=args.pairs,
        seed=args.seed,
        out_dir=args.out_dir,
    )
    return cfg, args


def main(argv=None) -> int:
    cfg, args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    if args.smoke:
        results = {}
        for cell in sorted(ARCHITECTURES):
            smoke = Config(
                cell=cell, units=16, embed_dim=8, num_pairs=256, batch_size=32,
                epochs=1, steps_per_epoch=2, seq_len=8, out_dir=cfg.out_dir,
            )  # fmt: skip
            results[cell] = train(smoke)
        LOG.info("smoke results: %s", json.dumps(results))
        return 0
    metrics = train(cfg)
    LOG.info("final metrics: %s", json.dumps(metrics))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
