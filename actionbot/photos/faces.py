"""Find faces with OpenCV's Haar cascades (shipped inside the opencv-python-headless wheel:
nothing downloaded at run time) and blur them beyond recognition.

The detector errs towards blurring too much (a false positive costs a blurred patch of
wall; a miss can cost someone their freedom), and the sender is told to check. Blurring is
pixelation to about 8 blocks across a box enlarged 1.6×, then a Gaussian blur of about a
box-width/8: measured, pixelation alone left faces that detectors found again.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
from PIL import Image

CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")
DETECT_SIDE = 1600  # detect on a copy at most this large (speed), blur at full size
ENLARGE = 1.6
BLOCKS = 8


@cache
def _cascades() -> tuple[cv2.CascadeClassifier, ...]:
    found = []
    for name in CASCADES:
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        if classifier.empty():  # a broken install: fail loudly, never skip blurring
            raise RuntimeError(f"face model {name} could not be loaded")
        found.append(classifier)
    return tuple(found)


def find_faces(image: Image.Image) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) in the image's own pixels; profiles looked for both ways."""
    scale = min(1.0, DETECT_SIDE / max(image.size))
    small = (
        image
        if scale == 1.0
        else image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    )
    gray = cv2.equalizeHist(cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2GRAY))
    minimum = max(16, round(min(gray.shape) * 0.03))
    boxes: list[tuple[int, int, int, int]] = []
    for classifier in _cascades():
        for flipped in (False, True):
            view = cv2.flip(gray, 1) if flipped else gray
            for x, y, w, h in classifier.detectMultiScale(
                view, scaleFactor=1.1, minNeighbors=4, minSize=(minimum, minimum)
            ):
                if flipped:
                    x = view.shape[1] - x - w
                boxes.append((int(x), int(y), int(w), int(h)))
    merged = _merge(boxes)
    return [
        (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
        for x, y, w, h in merged
    ]


def _merge(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """One box per face: boxes whose centres fall inside another are the same face."""
    kept: list[tuple[int, int, int, int]] = []
    for box in sorted(boxes, key=lambda b: -b[2] * b[3]):
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        if not any(k[0] <= cx <= k[0] + k[2] and k[1] <= cy <= k[1] + k[3] for k in kept):
            kept.append(box)
    return kept


def blur_faces(image: Image.Image) -> tuple[Image.Image, int]:
    boxes = find_faces(image)
    if not boxes:
        return image, 0
    pixels = np.array(image)
    height, width = pixels.shape[:2]
    for x, y, w, h in boxes:
        grow_w, grow_h = w * (ENLARGE - 1) / 2, h * (ENLARGE - 1) / 2
        x0, y0 = max(0, int(x - grow_w)), max(0, int(y - grow_h))
        x1, y1 = min(width, int(x + w + grow_w)), min(height, int(y + h + grow_h))
        patch = pixels[y0:y1, x0:x1]
        if patch.size == 0:
            continue
        pw, ph = x1 - x0, y1 - y0
        block = max(1, pw // BLOCKS)
        tiny = cv2.resize(
            patch, (max(1, pw // block), max(1, ph // block)), interpolation=cv2.INTER_AREA
        )
        coarse = cv2.resize(tiny, (pw, ph), interpolation=cv2.INTER_NEAREST)
        # The Gaussian blur (sigma ≈ box/8) on a copy at most ~128 px wide, then scaled
        # back: the same smoothing as at full size (the patch holds only 8×8 blocks of
        # information by now), without a 600-pixel kernel on a 12 MP photo.
        shrink = max(1, pw // 128)
        small = cv2.resize(
            coarse, (max(1, pw // shrink), max(1, ph // shrink)), interpolation=cv2.INTER_NEAREST
        )
        sigma = max(1.0, pw / 8 / shrink)
        smooth = cv2.GaussianBlur(small, (0, 0), sigmaX=sigma, sigmaY=sigma)
        pixels[y0:y1, x0:x1] = cv2.resize(smooth, (pw, ph), interpolation=cv2.INTER_LINEAR)
    return Image.fromarray(pixels), len(boxes)
