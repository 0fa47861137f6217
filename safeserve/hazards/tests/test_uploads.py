"""Uploaded files are stored under names the server makes up (the uploaded name is only a
label), images are measured from their header before anything decodes them, and names with
hidden direction or tag characters are refused — through the phone page and the API alike."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeserve.common.lib.uploads import (
    MAX_IMAGE_PIXELS,
    UploadPath,
    upload_label,
    validate_photo,
    validate_scan,
)
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.models import InspectionPhoto, ServiceTask
from safeserve.fieldwork.tests.conftest import PNG, template

STORED = re.compile(r"^inspections/\d{4}/\d{2}/[0-9a-f]{32}\.png$")


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels, with hardly any data: what a
    decompression bomb looks like before it is decoded."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _photo(name: str, content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.mark.parametrize(
    "name",
    [
        "photo\u202egnp.exe",  # right-to-left override: shown as "photoexe.png"
        "photo\u2066.png",  # isolate
        "photo\U000e0041.png",  # a Unicode tag character
        "photo\u200b.png",  # zero width space
        "photo\x07.png",  # a control character
    ],
)
def test_a_name_with_hidden_characters_is_refused(name):
    with pytest.raises(ValidationError) as refused:
        validate_photo(_photo(name))
    assert refused.value.code == "file_name"
    with pytest.raises(ValidationError):
        validate_scan(_photo(name))


@pytest.mark.parametrize(
    ("width", "height", "refused"),
    [(100000, 100000, True), (8000, 8000, True), (8000, 6000, False), (1, 1, False)],
)
def test_an_image_is_measured_before_it_is_decoded(width, height, refused):
    upload = _photo("big.png", png_header(width, height))
    if refused:
        with pytest.raises(ValidationError) as error:
            validate_photo(upload)
        assert error.value.code == "image_too_large"
        assert str(MAX_IMAGE_PIXELS // 1_000_000) in error.value.messages[0]
    else:
        assert validate_photo(upload) is upload
        assert upload.tell() == 0


def test_a_damaged_image_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_photo(_photo("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    assert refused.value.code == "image_damaged"


def test_stored_names_are_made_up_by_the_server():
    path = UploadPath("inspections")
    assert STORED.match(path(None, "../../etc/passwd.png"))
    assert path(None, "a.png") != path(None, "a.png")
    assert path(None, "report.PHP").rsplit("/", 1)[-1].count(".") == 0  # no unknown suffix
    assert upload_label(_photo("C:\\Users\\张三\\现场照片.png")) == "现场照片.png"


def _sheet(users: dict[str, Any], task: ServiceTask) -> Any:
    sheet = fieldwork.inspection_add(
        actor=users["expert"], task=task, template=template("general-basic")
    )
    return sheet, sheet.template.items.order_by("position").first()


def test_the_phone_page_stores_a_photo_under_a_made_up_name(users, on_site, login):
    sheet, item = _sheet(users, on_site)
    client = login(users["expert"])
    client.post(
        reverse("inspection", args=[on_site.pk, sheet.pk]),
        {"item": item.pk, "answer": "no", "photos": [_photo("../../现场 照片.png")]},
    )
    photo = InspectionPhoto.objects.get()
    assert STORED.match(photo.file.name)
    assert photo.original_name == "现场 照片.png"


def test_the_api_refuses_a_bomb_and_never_stores_a_disguised_name(users, on_site, api):
    sheet, item = _sheet(users, on_site)
    url = f"/api/v1/inspections/{sheet.pk}/answer/"
    client = api(users["expert"])
    bomb = client.post(
        url,
        {"item": item.pk, "answer": "no", "photos": [_photo("b.png", png_header(100000, 100000))]},
        format="multipart",
    )
    assert bomb.status_code == 413 and "photos" in bomb.json()["errors"]
    assert sheet.answers.count() == 0 and not InspectionPhoto.objects.exists()
    # Over HTTP, Django's multipart parser already drops unprintable characters from file
    # names; what arrives is stored under a made-up name, labelled without them.
    disguised = client.post(
        url,
        {"item": item.pk, "answer": "no", "photos": [_photo("x\u202egnp.exe")]},
        format="multipart",
    )
    assert disguised.status_code == 200
    photo = InspectionPhoto.objects.get()
    assert photo.original_name == "xgnp.exe"
    assert re.match(r"^inspections/\d{4}/\d{2}/[0-9a-f]{32}$", photo.file.name)
