"""`hflab.tasks`: every task of the course through one `pipeline()`, with the output format the seed shows.

    >>> from hflab import pipeline
    >>> classifier = pipeline("sentiment-analysis")
    >>> classifier("Hugging Face is the best thing since sliced bread!")
    [{'label': 'POSITIVE', 'score': 0.99}]

Where transformers v5 still has the pipeline, hflab hands it the model it resolved; where v5
removed it (question answering, summarization, translation, text2text, image captioning), the
task runs here on the Auto classes v5 kept.
"""

from .audio import to_audio
from .base import TaskPipeline
from .errors import InputError
from .factory import REIMPLEMENTED, pipeline
from .images import to_image
from .native import NATIVE_TASKS, NativePipeline
from .text import LongInputWarning

__all__ = ["pipeline", "InputError", "LongInputWarning", "TaskPipeline", "NativePipeline", "REIMPLEMENTED",
           "NATIVE_TASKS", "to_image", "to_audio"]
