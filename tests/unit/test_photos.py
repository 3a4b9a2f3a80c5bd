"""Photos are cleaned before a byte touches the disk: metadata present before and absent
after (read back with Pillow and by scanning the bytes), orientation kept, faces found and
blurred on a real photograph that scikit-image ships, bombs and non-images refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms
from skimage import data as samples

from actionbot.photos.clean import CleanPhoto, PhotoRefused, clean
from actionbot.photos.faces import find_faces

GPS_IFD, ORIENTATION, MAKE, MODEL = 0x8825, 0x0112, 0x010F, 0x0110
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description photoshop:City="Kyiv"/></x:xmpmeta>'


def tagged_jpeg(width: int = 200, height: int = 100, orientation: int = 1) -> bytes:
    """A JPEG carrying everything that can betray a photographer: GPS, camera, a comment,
    XMP with a city, and an ICC profile. A red mark sits in its top-left corner."""
    image = Image.new("RGB", (width, height), (0, 90, 200))
    for x in range(20):
        for y in range(10):
            image.putpixel((x, y), (255, 0, 0))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "SpyCam"
    exif[MODEL] = "Model-X SN12345"
    exif[GPS_IFD] = {1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)}
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"shot at the square", icc_profile=srgb, xmp=XMP)
    return out.getvalue()


def _cleaned(data: bytes, **kw) -> CleanPhoto:
    made = clean(data, max_pixels=40_000_000, blur=kw.get("blur", False))
    assert isinstance(made, CleanPhoto), made
    return made


def test_every_kind_of_metadata_is_gone() -> None:
    original = tagged_jpeg()
    before = Image.open(io.BytesIO(original))
    assert before.getexif().get_ifd(GPS_IFD) and before.info.get("icc_profile")
    assert b"SpyCam" in original and b"photoshop:City" in original and b"shot at" in original

    made = _cleaned(original)
    after = Image.open(io.BytesIO(made.data))
    assert after.format == "JPEG"
    assert not after.getexif()  # no EXIF at all: no GPS, camera, orientation, thumbnail
    for key in ("exif", "icc_profile", "xmp", "comment", "photoshop", "XML:com.adobe.xmp"):
        assert key not in after.info, key
    # exiftool-like: no APP1 (Exif/XMP), APP2 (ICC), APP13 (IPTC) or COM segment survives.
    for marker in (b"\xff\xe1", b"\xff\xe2", b"\xff\xed", b"\xff\xfe"):
        assert marker not in made.data[:2048], marker
    for secret in (b"Exif", b"SpyCam", b"SN12345", b"Kyiv", b"shot at", b"ICC_PROFILE"):
        assert secret not in made.data, secret


def test_orientation_is_applied_then_forgotten() -> None:
    made = _cleaned(tagged_jpeg(200, 100, orientation=6))  # "rotate 90° clockwise to view"
    image = Image.open(io.BytesIO(made.data)).convert("RGB")
    assert (made.width, made.height) == image.size == (100, 200)
    red, green, blue = image.getpixel((95, 3))  # the mark moved to the top-right corner
    assert red > 200 and green < 80 and blue < 80


def test_faces_on_a_real_photograph_are_found_and_blurred_beyond_recognition() -> None:
    out = io.BytesIO()
    Image.fromarray(samples.astronaut()).save(out, "PNG")
    plain = _cleaned(out.getvalue())
    assert plain.faces == 0 and len(find_faces(Image.open(io.BytesIO(plain.data)))) == 1
    blurred = _cleaned(out.getvalue(), blur=True)
    assert blurred.faces == 1
    assert find_faces(Image.open(io.BytesIO(blurred.data))) == []  # not found again


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not an image at all", "not-an-image"),
        (b"%PDF-1.4\n1 0 obj\n", "not-an-image"),
        (b"id: minute\ntitle: x\n", "not-an-image"),
        (tagged_jpeg()[:300], "unreadable"),  # a truncated JPEG
    ],
)
def test_non_images_are_refused(data: bytes, reason: str) -> None:
    made = clean(data, max_pixels=40_000_000, blur=False)
    assert isinstance(made, PhotoRefused) and made.reason == reason


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 MP in a few kilobytes
    assert len(out.getvalue()) < 200_000
    made = clean(out.getvalue(), max_pixels=40_000_000, blur=False)
    assert isinstance(made, PhotoRefused) and made.reason == "too-many-pixels"


def _saved(image: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def _png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SECRET at the square")
    info.add_itxt("XML:com.adobe.xmp", "SECRET xmp")
    return _saved(Image.new("RGBA", (50, 40), (255, 0, 0, 0)), "PNG", pnginfo=info)


@pytest.mark.parametrize(
    "data",
    [
        _png_with_text(),  # tEXt/iTXt chunks, and transparent pixels hiding red
        _saved(Image.new("RGB", (60, 40)), "WEBP", exif=b"Exif\x00\x00SECRET", xmp=b"SECRET"),
        _saved(Image.new("CMYK", (60, 40)), "JPEG"),
        _saved(Image.new("I;16", (60, 40)), "PNG"),
        _saved(Image.new("P", (60, 40)), "PNG", transparency=0),
        _saved(Image.new("RGB", (60, 40)), "TIFF", tiffinfo={270: "SECRET description"}),
        _saved(
            Image.new("P", (20, 20)),
            "GIF",
            save_all=True,
            append_images=[Image.new("P", (20, 20), i) for i in range(1, 300)],
        ),
    ],
    ids=["png-text-alpha", "webp-broken-exif", "cmyk", "png-16bit", "palette", "tiff", "gif-300"],
)
def test_other_formats_come_out_as_plain_rgb_with_nothing_else(data: bytes) -> None:
    made = _cleaned(data)
    image = Image.open(io.BytesIO(made.data))
    assert image.mode == "RGB" and not image.getexif()
    assert b"SECRET" not in made.data and b"Exif" not in made.data
    if data.startswith(b"\x89PNG") and b"SECRET at" in data:
        assert image.getpixel((0, 0)) == (255, 255, 255)  # transparent shows as white, not red


def _hidden_square(mode: str, icc: bool) -> bytes:
    """White, with a fully transparent square whose hidden colour is black."""
    if mode == "P":
        image = Image.new("P", (100, 100), 1)
        image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
        image.paste(0, (20, 20, 80, 80))
        extra = {"transparency": 0}
    else:
        full, hidden = ((255, 255), (0, 0)) if mode == "LA" else ((255,) * 4, (0, 0, 0, 0))
        image = Image.new(mode, (100, 100), full)
        image.paste(hidden, (20, 20, 80, 80))
        extra = {}
    if icc:
        extra["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "PNG", **extra)
    return out.getvalue()


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
@pytest.mark.parametrize("icc", [False, True])
def test_hidden_colours_under_transparency_never_show(mode: str, icc: bool) -> None:
    """Found in review: with a colour profile, LA and P images lost their alpha before
    being laid on white, and the hidden black came out."""
    result = clean(_hidden_square(mode, icc), max_pixels=10**7, blur=False)
    assert isinstance(result, CleanPhoto)
    stored = Image.open(io.BytesIO(result.data)).convert("RGB")
    assert all(channel > 240 for channel in stored.getpixel((50, 50)))
