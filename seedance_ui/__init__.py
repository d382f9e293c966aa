"""Seedance Studio: turn a still image into a short video with ByteDance Seedance on WaveSpeed AI."""

__version__ = "0.1.0"
