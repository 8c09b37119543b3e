"""The hostile corpus: one seeded property per redaction rule of issue 9, judged by ``payfold.testing._leaks``."""
