"""Re-encode an untrusted image with nothing left of where, when, or on what it was taken.

Order matters (measured, see the README): read the header and refuse what is too large
before decoding; apply the EXIF orientation; convert an embedded ICC profile to sRGB; take
one frame; rebuild the pixels into a *new* image so no ``info`` (EXIF with GPS, XMP, IPTC,
comments, maker notes, thumbnails, ICC) can travel along; blur faces if asked; save a JPEG
with no ``exif=``, ``icc_profile=`` or ``comment=``. Only the result is ever written.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from actionbot.photos import faces as face_blur

FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO", "TIFF", "BMP"})
QUALITY = 88


@dataclass(frozen=True, kw_only=True)
class CleanPhoto:
    data: bytes  # the JPEG to store
    sha256: str
    width: int
    height: int
    faces: int  # blurred (0 when blurring was not asked for)


@dataclass(frozen=True, kw_only=True)
class PhotoRefused:
    """``not-an-image`` | ``too-many-pixels`` | ``unreadable``."""

    reason: str
    detail: str = ""


def clean(data: bytes, *, max_pixels: int, blur: bool) -> CleanPhoto | PhotoRefused:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(
                io.BytesIO(data), formats=sorted(FORMATS - {"MPO"})
            )  # MPO opens as JPEG
            if image.format not in FORMATS:
                return PhotoRefused(reason="not-an-image", detail=str(image.format))
            width, height = image.size
            if width * height > max_pixels:
                return PhotoRefused(reason="too-many-pixels", detail=f"{width}×{height}")
            image.seek(0)  # one frame (MPO, GIF, multi-page TIFF)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return PhotoRefused(reason="too-many-pixels")
    except UnidentifiedImageError:
        return PhotoRefused(reason="not-an-image")
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        return PhotoRefused(reason="unreadable", detail=type(exc).__name__)
    try:
        fresh = _pixels(image)
        found = 0
        if blur:
            fresh, found = face_blur.blur_faces(fresh)
        out = io.BytesIO()
        fresh.save(out, format="JPEG", quality=QUALITY, optimize=True)
    except (OSError, ValueError, SyntaxError, MemoryError) as exc:  # untrusted bytes
        return PhotoRefused(reason="unreadable", detail=type(exc).__name__)
    clean_bytes = out.getvalue()
    return CleanPhoto(
        data=clean_bytes,
        sha256=hashlib.sha256(clean_bytes).hexdigest(),
        width=fresh.width,
        height=fresh.height,
        faces=found,
    )


def _pixels(image: Image.Image) -> Image.Image:
    """The picture as a viewer shows it, as a brand-new RGB image that carries nothing else.

    Broken EXIF only costs the orientation; transparent areas are laid on white (their
    hidden colour values are not the picture and must not become visible)."""
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError):
        pass  # unreadable EXIF: keep the pixels as stored
    profile = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # On white *before* the colour conversion: that conversion drops alpha, which
        # would bring the hidden colours out (found in review).
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba).convert("RGB")
        if profile:
            image.info["icc_profile"] = profile
    image = _to_srgb(image)
    pixels = image.convert("RGB")
    return Image.frombytes("RGB", pixels.size, pixels.tobytes())  # no info at all


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours as the camera meant them, in sRGB — so the profile itself can be dropped."""
    profile = image.info.get("icc_profile")
    if not profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        target = ImageCms.createProfile("sRGB")
        mode = "RGB" if image.mode not in ("RGB", "RGBA") else image.mode
        return ImageCms.profileToProfile(image.convert(mode), source, target, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: the pixels as they are, the profile dropped
