"""History's and the model guide's look, the phone's fixes, and the page script that lets a dropped file of any kind
reach our own check (``layout`` adds these to its own CSS and script)."""

from __future__ import annotations

CSS = """
/* History: each poster whole (fitted, never cropped; a portrait stays portrait) on a calm backdrop. */
#history-gallery .thumbnail-item img {aspect-ratio: auto !important; height: 180px !important; width: 100%;
  object-fit: contain !important; background: var(--background-fill-secondary);}
#history-gallery .caption-label {font-size: .78em;}
/* The player fits the screen: a portrait take is seen whole with the actions beside or below it. */
#history-player video {max-height: min(62vh, 640px); width: 100%; object-fit: contain;}
#history-player [data-testid=video] {height: auto !important;}
#delete-confirm {border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 8px 10px;}
#delete-question, #delete-question * {white-space: normal !important; word-break: normal !important;
  overflow-wrap: normal !important; min-width: 0;}
.balance-line {padding: 2px 0;}
#history-balance .balance-line {padding: 0 4px;}
blockquote.cut-text {margin: 6px 0 0; padding: 4px 8px; border-left: 3px solid #b52a25; max-height: 8em;
  overflow-y: auto; white-space: pre-wrap; overflow-wrap: anywhere;}
.model-compare {overflow-x: auto; max-width: 100%;}
.model-compare table {border-collapse: collapse; font-size: .82em; width: 100%;}
.model-compare caption {text-align: left; font-weight: 600; padding: 2px 0 4px;}
.model-compare th, .model-compare td {padding: 3px 6px; border-bottom: 1px solid var(--border-color-primary);
  text-align: left; vertical-align: top;}
.model-compare td:nth-child(4), .model-compare td:nth-child(5) {white-space: nowrap;}
.model-compare tr.chosen td {background: var(--background-fill-secondary); font-weight: 600;}
@media (max-width: 820px) {
  /* The picture's label sits above the picture, not over its top. */
  #first-frame [data-testid=block-label], #last-frame [data-testid=block-label], #framing [data-testid=block-label],
  #last-framing [data-testid=block-label] {position: static !important; margin: 0 0 2px; padding: 1px 6px;
    font-size: .8em;}
  /* What the labels above take, the framing preview gives back: Generate stays in the first screen. */
  #framing {height: 92px !important;}
  /* Room under the side column for the fixed Generate bar: the price above it is never under it. */
  #create-side {padding-bottom: 76px;}
  #price {scroll-margin-bottom: 84px;}
  #history-player video {max-height: 55vh;}
  #delete-confirm button {flex: 1 1 40%;}
}
"""

# Gradio's picture box accepts "image/*" only and answers anything else with its own "Invalid file type" toast. A
# file of another kind is passed on as it is, declared as a picture, so that our own check reads its bytes and
# says in our words what it is (a text file, a PDF...). Dropping and choosing both go this way.
ANY_FILE_JS = """() => {
  const boxes = '#first-frame, #last-frame';
  const odd = (files) => [...(files || [])].some(f => !f.type.startsWith('image/'));
  const passed = (files) => {
    const dt = new DataTransfer();
    for (const f of files)
      dt.items.add(f.type.startsWith('image/') ? f : new File([f], f.name, {type: 'image/x-unchecked'}));
    return dt;
  };
  document.addEventListener('drop', (e) => {
    if (e.seedancePassed || !e.target.closest || !e.target.closest(boxes) || !odd(e.dataTransfer?.files)) return;
    e.stopImmediatePropagation();
    e.preventDefault();
    const again = new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: passed(e.dataTransfer.files)});
    again.seedancePassed = true;
    e.target.dispatchEvent(again);
  }, true);
  document.addEventListener('change', (e) => {
    const input = e.target;
    if (input instanceof HTMLInputElement && input.type === 'file' && input.closest(boxes) && odd(input.files))
      input.files = passed(input.files).files;
  }, true);
}"""


def page_js(*scripts: str) -> str:
    """Several page scripts as the one function Gradio runs at load."""
    return "() => {\n" + "\n".join(f"  ({s})();" for s in scripts) + "\n}"
