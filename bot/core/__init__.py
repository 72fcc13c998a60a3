"""The pure core: plain frozen data in, plain frozen data out; no I/O, no ``await``."""
