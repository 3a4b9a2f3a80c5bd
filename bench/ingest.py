"""Photo ingest cost: download + decrypt + strip (+ blur) + store, as a ratio to
download + decrypt alone — what any bot pays to read an encrypted photo at all.

The photo: scikit-image's astronaut, scaled to 12 MP (4000×3000) and saved as a JPEG with
GPS EXIF, uploaded encrypted to a throwaway Synapse. Run: ``python bench/ingest.py
[--rounds 10]`` (needs the ``test`` extra).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nio.crypto.attachments import decrypt_attachment
from PIL import Image
from skimage import data as samples

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actionbot.localserver import LocalSynapse
from actionbot.photos.clean import clean
from actionbot.photos.storage import PhotoStore
from tests.integration.matrix_user import MatrixUser

GPS = {1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)}


def photo() -> bytes:
    image = Image.fromarray(samples.astronaut()).resize((4000, 3000))
    exif = Image.Exif()
    exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


async def main(rounds: int) -> None:
    original = photo()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with LocalSynapse(base / "synapse") as server:
            user = await MatrixUser.register_on(server, base / "u", "user")
            resp, keys = await user.client.upload(
                lambda *_: io.BytesIO(original),
                content_type="image/jpeg",
                filename="p.jpg",
                encrypt=True,
                filesize=len(original),
            )
            store = PhotoStore(base / "photos")

            async def fetch() -> bytes:
                got = await user.client.download(mxc=resp.content_uri)
                return decrypt_attachment(
                    got.body, keys["key"]["k"], keys["hashes"]["sha256"], keys["iv"]
                )

            timings: dict[str, list[float]] = {
                "download+decrypt": [],
                "+strip+store": [],
                "+strip+blur+store": [],
            }
            for _ in range(rounds):
                for name in timings:
                    began = time.perf_counter()
                    data = await fetch()
                    if name != "download+decrypt":
                        made = await asyncio.to_thread(
                            clean, data, max_pixels=40_000_000, blur="blur" in name
                        )
                        await asyncio.to_thread(store.put, made)
                        store.delete(made.sha256)
                    timings[name].append(time.perf_counter() - began)
            await user.close()
    baseline = statistics.median(timings["download+decrypt"])
    print(f"photo: {len(original) / 1e6:.1f} MB JPEG, 4000×3000, encrypted; {rounds} rounds")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<22} median {median * 1000:7.0f} ms   ratio {median / baseline:5.2f}×")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(main(parser.parse_args().rounds))
