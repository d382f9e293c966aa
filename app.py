"""Seedance Studio: desktop app and Hugging Face Space entry point.

Runs in demo mode (a built-in emulator renders free previews) when WAVESPEED_API_KEY is not set. Honours
Gradio's own GRADIO_SERVER_NAME and GRADIO_SERVER_PORT.
"""

from seedance_ui.ui import create_app
from seedance_ui.ui.layout import launch_kwargs

demo, ctx = create_app()

if __name__ == "__main__":
    demo.launch(**launch_kwargs(ctx))
