import os
import tempfile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TEMP_DIR", tempfile.mkdtemp(prefix="seedance-gradio-"))
os.environ.pop("WAVESPEED_API_KEY", None)
