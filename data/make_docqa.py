"""Render invoices and receipts, read them with tesseract, and write document-QA examples.

Run ``python data/make_docqa.py`` (needs Pillow >= 10.1, tesseract-ocr and pytesseract; a few
minutes: every page goes through OCR). It writes

- ``docqa/train.jsonl`` and ``docqa/test.jsonl``: one rendered document a line, as the OCR saw it:
  ``{"id", "kind", "layout", "font", "words", "boxes", "qas"}``. ``words``/``boxes`` are exactly what
  transformers' document-question-answering pipeline gets from tesseract (``apply_tesseract``: boxes
  normalized to 0..1000); each of ``qas`` is ``{"field", "question", "answer", "start", "end"}``,
  the answer being the OCR words ``start..end`` (inclusive), which read as the value printed there;
- ``docqa/fresh.json`` and ``documents/docqa_*.png``: three more documents, in neither split,
  kept as images so tests and notebooks run the whole pipeline (OCR included) on them.

Training in CI reads the JSON lines and never runs OCR.

The test split shares no page layout, vendor, customer or value (amount, number, date) with the
train split: it is made from layouts train never uses and from name pools train never draws from,
and any value that also occurs in train is drawn again. A question is kept only where the OCR read
its answer exactly as printed (the script prints how many were dropped), so every kept answer can
be found among the words.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "docqa"
DOCUMENTS = HERE / "documents"
SEED = 12
TRAIN_DOCUMENTS, TEST_DOCUMENTS = 220, 50

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/nanum",
             "/usr/share/fonts/truetype/liberation")
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSansCondensed.ttf",
              "DejaVuSerifCondensed.ttf", "NanumGothic.ttf", "NanumMyeongjo.ttf", "NanumBarunGothic.ttf",
              "NanumSquareR.ttf", "LiberationSans-Regular.ttf", "LiberationSerif-Regular.ttf")

# --- names: disjoint pools for train and test, so no test vendor or customer was seen in training ---
VENDOR_FIRST = {
    "train": ["Harbour", "Blue Finch", "Northgate", "Copper Kettle", "Greenway", "Silver Birch", "Red Lantern",
              "Oakfield", "Riverside", "Maple Street", "Summit", "Golden Wheat", "Bright Spark", "Stonebridge",
              "Willow", "Lakeshore", "Cedar Hill", "Iron Gate", "Sunrise", "Pine Valley", "Orchard", "Westbrook"],
    "test": ["Juniper", "Falcon Ridge", "Amber Road", "Kingfisher", "Bluebell", "Granite Peak", "Saffron",
             "Hollow Creek", "Meadowlark", "Starling"],
}
VENDOR_KIND = ["Bakery", "Hardware", "Stationery", "Books", "Coffee Co.", "Garden Supply", "Printing Ltd",
               "Electronics", "Tailors", "Florist", "Bike Shop", "Pharmacy", "Market", "Studio", "Logistics Inc."]
CUSTOMER = {
    "train": ["Seaside Cafe", "Mina Park", "Lumen Robotics", "Tom Becker", "Alder School", "Grace Okafor",
              "Nordic Foods", "Carlos Ruiz", "Hilltop Clinic", "Aiko Tanaka", "Beacon Hotel", "Priya Nair",
              "Delta Architects", "Omar Haddad", "Elm Street Library", "Sofia Rossi", "Vega Travel", "Jonas Berg"],
    "test": ["Quarry Theatre", "Lena Novak", "Pioneer Dental", "Yusuf Demir", "Harvest Bistro", "Nora Lindqvist",
             "Orbit Games", "Daniel Mensah"],
}
STREETS = ["Harbour Lane", "Mill Road", "Station Street", "Park Avenue", "Bridge Road", "King Street",
           "Market Square", "Church Lane", "High Street", "River Walk"]
TOWNS = ["Kelmore", "Ashford", "Brayton", "Dunmore", "Eastwick", "Fairhaven", "Glenrock"]
ITEMS = ["Sourdough loaf", "Butter croissant", "Apple pie", "Printer paper", "Ink cartridge", "Desk lamp",
         "Garden hose", "Seed mix", "Bike chain", "Brake pads", "Notebook", "Pencil set", "USB cable",
         "Coffee beans", "Paper cups", "Flower bouquet", "Hammer", "Screws (box)", "Paint brush",
         "Repair service", "Delivery", "Consulting hour", "Poster print", "Frame", "Tea box", "Vitamin C"]

# --- field labels as printed, and the questions asked about each field ---
LABELS = {
    "number": ["Invoice No.", "Invoice #", "Inv #", "Invoice number:", "Invoice No:", "Invoice ID:"],
    "receipt_number": ["Receipt no.", "Receipt #", "Receipt No:", "Trans #", "Ticket no."],
    "date": ["Date:", "Invoice date:", "Date", "Issued:", "Date of issue:"],
    "due": ["Due date:", "Payment due:", "Due:", "Pay by:"],
    "bill_to": ["Bill to:", "Billed to:", "Customer:", "Sold to:"],
    "subtotal": ["Subtotal", "Sub-total", "Net amount"],
    "tax": ["Tax", "VAT 10%", "Sales tax"],
    "total": ["Total", "Total amount:", "Amount due", "Total due:", "Grand total", "Balance due", "TOTAL"],
    "vendor": ["From:", "Vendor:", "Seller:"],
}
QUESTIONS = {
    "total": ["What is the total amount?", "What is the total?", "How much is the total?",
              "What is the amount due?", "How much has to be paid?", "What is the grand total?"],
    "number": ["What is the invoice number?", "What is the invoice no?", "Which invoice number is this?"],
    "receipt_number": ["What is the receipt number?", "What is the receipt no?"],
    "date": ["What is the date?", "What is the invoice date?", "When was it issued?"],
    "due": ["What is the due date?", "When is the payment due?"],
    "vendor": ["Who is the vendor?", "Who issued the invoice?", "What is the name of the seller?",
               "Which company is this from?"],
    "bill_to": ["Who is the invoice billed to?", "Who is the customer?", "Who is the bill to?"],
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]

# --- layouts: how the meta fields (number, dates, bill to) and the totals are arranged, and where the
# vendor sits. Every arrangement occurs in train, but the test split's combinations never do. ---
INVOICE_LAYOUTS = {
    "train": [
        dict(name="classic", header="left", meta="inline", meta_side="right", totals="inline", table=True),
        dict(name="columns", header="left", meta="columns", meta_side="right", totals="columns", table=True),
        dict(name="stacked", header="left", meta="inline", meta_side="left", totals="inline", table=False),
        dict(name="banner", header="center", meta="above", meta_side="full", totals="columns", table=True),
        dict(name="ledger", header="right", meta="columns", meta_side="left", totals="above", table=True),
        dict(name="memo", header="left", meta="above", meta_side="full", totals="inline", table=False),
    ],
    "test": [
        dict(name="statement", header="right", meta="inline", meta_side="left", totals="columns", table=True),
        dict(name="boxed", header="center", meta="columns", meta_side="left", totals="above", table=False),
        dict(name="slip", header="left", meta="above", meta_side="full", totals="above", table=True),
    ],
}
RECEIPT_LAYOUTS = {
    "train": [
        dict(name="till", header="center", meta="inline", totals="columns"),
        dict(name="shop", header="left", meta="columns", totals="columns"),
        dict(name="kiosk", header="center", meta="columns", totals="inline"),
    ],
    "test": [
        dict(name="counter", header="left", meta="inline", totals="inline"),
    ],
}


# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------
def money(cents: int, style: str) -> str:
    whole, frac = divmod(cents, 100)
    if style == "plain_int":
        return f"{whole:,}"
    if style == "dollar":
        return f"${whole:,}.{frac:02d}"
    if style == "nocomma":
        return f"{whole}.{frac:02d}"
    return f"{whole:,}.{frac:02d}"


def date_text(year: int, month: int, day: int, style: str) -> str:
    return {
        "iso": f"{year}-{month:02d}-{day:02d}",
        "dmy": f"{day:02d}/{month:02d}/{year}",
        "dots": f"{day:02d}.{month:02d}.{year}",
        "short": f"{day} {MONTHS[month - 1]} {year}",
        "long": f"{MONTH_NAMES[month - 1]} {day}, {year}",
    }[style]


@dataclass
class Fields:
    kind: str  # "invoice" or "receipt"
    vendor: str
    address: str
    number: str
    date: str
    due: str | None
    bill_to: str | None
    items: list[tuple[str, str, str]]  # (name, quantity, amount)
    subtotal: str
    tax: str
    total: str
    footer: list[str] = field(default_factory=list)


class ValuePicker:
    """Draws document values; values already used by another split (`taken`) are drawn again."""

    def __init__(self, rng: random.Random, split: str, taken: set[str]):
        self.rng, self.split, self.taken, self.used = rng, split, taken, set()

    def fresh(self, make) -> str:
        for _ in range(1000):
            value = make()
            if value not in self.taken:
                self.used.add(value)
                return value
        raise RuntimeError("no fresh value left")

    def fields(self, kind: str) -> Fields:
        rng = self.rng
        vendor = self.fresh(lambda: f"{rng.choice(VENDOR_FIRST[self.split])} {rng.choice(VENDOR_KIND)}")
        address = f"{rng.randint(1, 199)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"
        style = rng.choice(["comma", "dollar", "plain_int", "nocomma"])
        cents_unit = 100 if style == "plain_int" else 1  # whole amounts only in the integer style
        items = []
        for name in rng.sample(ITEMS, rng.randint(2, 4)):
            quantity = rng.randint(1, 12)
            items.append((name, str(quantity), rng.randint(150, 90000) // cents_unit * cents_unit))
        subtotal = sum(amount for *_, amount in items)
        tax = subtotal // 10 // cents_unit * cents_unit
        total = self.fresh(lambda: money(subtotal + tax + rng.randint(0, 3) * cents_unit * 100, style))
        # (_day is unused, but drawing it keeps the random sequence that wrote the committed data)
        year, month, _day = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
        date_style = rng.choice(["iso", "dmy", "dots", "short", "long"])
        date = self.fresh(lambda: date_text(year, month, rng.randint(1, 28), date_style))
        if kind == "invoice":
            prefix = rng.choice(["INV-", "", "A-", "F", "IN"])
            number = self.fresh(lambda: f"{prefix}{rng.randint(1000, 99999)}")
            due = self.fresh(lambda: date_text(year + (month == 12), month % 12 + 1, rng.randint(1, 28), date_style))
            bill_to = self.fresh(lambda: rng.choice(CUSTOMER[self.split]))
            self.used.discard(bill_to)  # customers repeat within a split; only the pools must stay apart
            footer = rng.sample(["Thank you for your business!", "Payment: bank transfer", "Terms: 30 days",
                                 "Questions? Call 555-0199", "Please quote the invoice number"], 2)
        else:
            number = self.fresh(lambda: str(rng.randint(100, 99999)))
            due = bill_to = None
            footer = rng.sample(["Paid by card", "Paid in cash", "Thank you!", "Please come again",
                                 "No refunds without receipt"], 2)
        amounts = [(name, qty, money(amount, style)) for name, qty, amount in items]
        return Fields(kind, vendor, address, number, date, due, bill_to, amounts, money(subtotal, style),
                      money(tax, style), total, footer)


# ---------------------------------------------------------------------------------------------
# drawing
# ---------------------------------------------------------------------------------------------
class Page:
    """A white page and a pen; remembers where each field's value was drawn (its pixel box)."""

    def __init__(self, width: int, font_path: str | None, size: int):
        self.width, self.size = width, size
        self.font = font(font_path, size)
        self.big = font(font_path, int(size * 1.35))
        self.lines: list[tuple[int, int, str, object]] = []
        self.value_boxes: dict[str, tuple[int, int, int, int]] = {}
        self.rules: list[tuple[int, int, int, int]] = []
        self.margin = 50
        self.height = 0
        self._measure = ImageDraw.Draw(Image.new("L", (1, 1)))

    def text_width(self, text: str, big: bool = False) -> int:
        return int(self._measure.textlength(text, font=self.big if big else self.font))

    def put(self, x: int, y: int, text: str, *, value_of: str | None = None, big: bool = False) -> int:
        """Draw `text` with its left edge at x; returns its right edge."""
        chosen = self.big if big else self.font
        self.lines.append((x, y, text, chosen))
        box = self._measure.textbbox((x, y), text, font=chosen)
        if value_of:
            self.value_boxes[value_of] = box
        return box[2]

    def line_start(self, where: str, text: str, big: bool = False) -> int:
        """The x where `text` starts when set flush left, flush right or centred."""
        width = self.text_width(text, big)
        return {"left": self.margin, "right": self.width - self.margin - width,
                "center": (self.width - width) // 2}[where]

    def put_right(self, right: int, y: int, text: str, **kwargs) -> None:
        self.put(right - self.text_width(text, kwargs.get("big", False)), y, text, **kwargs)

    def put_center(self, y: int, text: str, **kwargs) -> None:
        self.put((self.width - self.text_width(text, kwargs.get("big", False))) // 2, y, text, **kwargs)

    def render(self, height: int) -> Image.Image:
        image = Image.new("L", (self.width, height), color=255)
        draw = ImageDraw.Draw(image)
        for x, y, text, chosen in self.lines:
            draw.text((x, y), text, fill=0, font=chosen)
        for rule in self.rules:
            draw.line(rule, fill=0, width=2)
        return image


def font(path: str | None, size: int):
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)


def available_fonts() -> list[str | None]:
    """The TrueType fonts found here, plus None: Pillow's built-in font."""
    found = [str(Path(d) / f) for d in FONT_DIRS for f in FONT_FILES if (Path(d) / f).exists()]
    return found + [None]


def draw_header(page: Page, f: Fields, where: str, y: int, rng: random.Random, title: str | None) -> int:
    """The vendor's name and address (left, right or centred), and the document's title if any."""
    line = int(page.size * 1.5)
    if title:
        if where == "center":
            page.put_center(y, title, big=True)
            y += int(line * 1.3)
        else:  # the title sits on the other side, level with the vendor's name
            x = page.margin if where == "right" else page.width - page.margin - page.text_width(title, True)
            page.put(x, y, title, big=True)
    # some vendors print a label before their name ("From: ..."); then the name is not big
    label = rng.choice(LABELS["vendor"]) + " " if rng.random() < 0.25 else ""
    big = not label
    x = page.line_start(where, label + f.vendor, big)
    x = page.put(x, y, label.strip(), big=big) + page.text_width(" ") if label else x
    page.put(x, y, f.vendor, value_of="vendor", big=big)
    y += int(line * 1.3)
    page.put(page.line_start(where, f.address), y, f.address)
    return y + line * 2


def labelled(page: Page, style: str, x: int, y: int, label: str, value: str, key: str, column: int) -> int:
    """Draw one labelled value in `style`; returns the y of the next row."""
    line = int(page.size * 1.5)
    if style == "inline":
        right = page.put(x, y, label)
        page.put(right + page.text_width(" "), y, value, value_of=key)
        return y + line
    if style == "columns":
        page.put(x, y, label)
        page.put(x + column, y, value, value_of=key)
        return y + line
    page.put(x, y, label)  # "above": the label, and the value under it
    page.put(x, y + line, value, value_of=key)
    return y + line * 2 + page.size // 2


def meta_rows(f: Fields, rng: random.Random) -> list[tuple[str, str, str]]:
    rows = [("number", rng.choice(LABELS["number" if f.kind == "invoice" else "receipt_number"]), f.number),
            ("date", rng.choice([d for d in LABELS["date"] if f.kind == "invoice" or "Invoice" not in d]), f.date)]
    if f.due:
        rows.append(("due", rng.choice(LABELS["due"]), f.due))
    return rows


def draw_invoice(f: Fields, layout: dict, font_path: str | None, rng: random.Random) -> Page:
    size = rng.randint(24, 32)
    page = Page(rng.randint(1050, 1250), font_path, size)
    page.margin = rng.randint(40, 70)
    line = int(size * 1.5)
    title = rng.choice(["INVOICE", "Invoice", "TAX INVOICE", "BILL"])
    y = draw_header(page, f, layout["header"], rng.randint(30, 60), rng, title)
    meta = meta_rows(f, rng)
    rng.shuffle(meta)
    half = page.width // 2
    if layout["meta_side"] == "full":  # the meta fields side by side across the page, label above value
        x = page.margin
        for key, label, value in meta:
            labelled(page, layout["meta"], x, y, label, value, key, 0)
            x += max(page.text_width(label), page.text_width(value)) + 2 * size
        y += line * 3
        y = labelled(page, "above", page.margin, y, rng.choice(LABELS["bill_to"]), f.bill_to, "bill_to", 0)
        y += line // 2
    else:
        meta_x = page.margin if layout["meta_side"] == "left" else half
        bill_x = half if layout["meta_side"] == "left" else page.margin
        column = max(page.text_width(label) for _, label, _ in meta) + size
        meta_y = y
        for key, label, value in meta:
            meta_y = labelled(page, layout["meta"], meta_x, meta_y, label, value, key, column)
        bill_label = rng.choice(LABELS["bill_to"])
        bill_style = rng.choice(["inline", "above"])
        bill_y = labelled(page, bill_style, bill_x, y, bill_label, f.bill_to, "bill_to",
                          page.text_width(bill_label) + size)
        y = max(meta_y, bill_y) + line
    y = draw_items(page, f, y, layout["table"], rng)
    y = draw_totals(page, f, y, layout["totals"], rng, with_tax=True)
    for text in f.footer:
        page.put(page.margin, y, text)
        y += line
    page.height = y + line
    return page


def draw_items(page: Page, f: Fields, y: int, table: bool, rng: random.Random) -> int:
    line = int(page.size * 1.5)
    right = page.width - page.margin
    if table:
        qty_x = page.margin + int((right - page.margin) * 0.55)
        for text, x in (("Description", page.margin), ("Qty", qty_x)):
            page.put(x, y, text)
        page.put_right(right, y, "Amount")
        y += line
        page.rules.append((page.margin, y - 4, right, y - 4))
        y += page.size // 3
    for name, qty, amount in f.items:
        if table:
            page.put(page.margin, y, name)
            page.put(qty_x, y, qty)
        else:
            page.put(page.margin, y, f"{qty} x {name}")
        page.put_right(right, y, amount)
        y += line
    page.rules.append((page.margin, y + 4, right, y + 4))
    return y + line // 2


def draw_totals(page: Page, f: Fields, y: int, style: str, rng: random.Random, with_tax: bool) -> int:
    line = int(page.size * 1.5)
    right = page.width - page.margin
    rows = [("subtotal", rng.choice(LABELS["subtotal"]), f.subtotal)]
    if with_tax:
        rows.append(("tax", rng.choice(LABELS["tax"]), f.tax))
    rows.append(("total", rng.choice(LABELS["total"]), f.total))
    if style == "columns":  # labels in a column, values flush right
        label_x = page.margin if page.width < 800 else page.width // 2
        for key, label, value in rows:
            page.put(label_x, y, label)
            page.put_right(right, y, value, value_of=key)
            y += line
    elif style == "inline":  # "Label: value" lines, flush right
        for key, label, value in rows:
            text = f"{label} {value}"
            x = right - page.text_width(text)
            after = page.put(x, y, label)
            page.put(after + page.text_width(" "), y, value, value_of=key)
            y += line
    else:  # "above": a row of boxes, each label over its value
        step = (right - page.margin) // len(rows)
        for i, (key, label, value) in enumerate(rows):
            labelled(page, "above", page.margin + i * step, y, label, value, key, 0)
        y += line * 2 + page.size
    return y + line


def draw_receipt(f: Fields, layout: dict, font_path: str | None, rng: random.Random) -> Page:
    size = rng.randint(24, 30)
    page = Page(rng.randint(620, 720), font_path, size)
    page.margin = rng.randint(30, 50)
    line = int(size * 1.5)
    y = draw_header(page, f, layout["header"], rng.randint(25, 45), rng, None)
    column = max(page.text_width(label) for label in LABELS["receipt_number"] + LABELS["date"]) + size
    for key, label, value in meta_rows(f, rng):
        y = labelled(page, layout["meta"], page.margin, y, label, value, key, column)
    y += line // 2
    page.rules.append((page.margin, y - 6, page.width - page.margin, y - 6))
    y = draw_items(page, f, y + 6, False, rng)
    y = draw_totals(page, f, y, layout["totals"], rng, with_tax=rng.random() < 0.6)
    for text in f.footer:
        page.put_center(y, text)
        y += line
    page.height = y + line
    return page


# ---------------------------------------------------------------------------------------------
# OCR and questions
# ---------------------------------------------------------------------------------------------
def ocr(image: Image.Image) -> tuple[list[str], list[list[int]]]:
    """Words and 0..1000 boxes exactly as transformers' document-QA pipeline reads them."""
    from transformers.pipelines.document_question_answering import apply_tesseract

    return apply_tesseract(image.convert("RGB"), lang=None, tesseract_config="")


def find_answer(words, boxes, value: str, drawn: tuple[int, int, int, int], size: tuple[int, int]):
    """The word span (start, end) that reads `value` and lies where it was drawn, or None."""
    target = value.split()
    x0, y0, x1, y1 = drawn
    width, height = size
    for start in range(len(words) - len(target) + 1):
        if words[start:start + len(target)] != target:
            continue
        left, top, right, bottom = boxes[start]
        cx, cy = (left + right) / 2 * width / 1000, (top + bottom) / 2 * height / 1000
        if x0 - 5 <= cx <= x1 + 5 and y0 - 8 <= cy <= y1 + 8:
            return start, start + len(target) - 1
    return None


def document(index: int, split: str, picker: ValuePicker, fonts: list, rng: random.Random):
    kind = "invoice" if rng.random() < 0.65 else "receipt"
    layouts = (INVOICE_LAYOUTS if kind == "invoice" else RECEIPT_LAYOUTS)[split]
    layout = rng.choice(layouts)
    font_path = rng.choice(fonts)
    f = picker.fields(kind)
    page = (draw_invoice if kind == "invoice" else draw_receipt)(f, layout, font_path, rng)
    image = page.render(page.height)
    return f, layout, font_path, page, image


def questions(f: Fields, page: Page, words, boxes, image, rng: random.Random) -> tuple[list[dict], int]:
    values = {"total": f.total, "date": f.date, "vendor": f.vendor}
    values["number" if f.kind == "invoice" else "receipt_number"] = f.number
    if f.kind == "invoice":
        values.update(due=f.due, bill_to=f.bill_to)
    qas, dropped = [], 0
    for key, value in values.items():
        drawn = page.value_boxes.get("number" if key == "receipt_number" else key)
        if drawn is None:
            continue
        span = find_answer(words, boxes, value, drawn, image.size)
        if span is None:
            dropped += 1
            continue
        qas.append({"field": key, "question": rng.choice(QUESTIONS[key]), "answer": value,
                    "start": span[0], "end": span[1]})
    return qas, dropped


def make_split(split: str, count: int, taken: set[str], rng: random.Random) -> tuple[list[dict], set[str]]:
    picker = ValuePicker(rng, split, taken)
    fonts = available_fonts()
    rows, dropped, asked = [], 0, 0
    for index in range(count):
        f, layout, font_path, page, image = document(index, split, picker, fonts, rng)
        words, boxes = ocr(image)
        qas, lost = questions(f, page, words, boxes, image, rng)
        dropped, asked = dropped + lost, asked + lost + len(qas)
        if qas:
            rows.append({"id": f"{split}-{index:03d}", "kind": f.kind, "layout": layout["name"],
                         "font": Path(font_path).stem if font_path else "Pillow default",
                         "words": words, "boxes": boxes, "qas": qas})
        if index % 20 == 0:
            print(f"{split}: {index}/{count} documents", flush=True)
    print(f"{split}: {len(rows)} documents, {asked - dropped} questions "
          f"({dropped} of {asked} dropped: the OCR misread the answer)")
    return rows, picker.used


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


def make_fresh(taken: set[str], rng: random.Random) -> list[dict]:
    """Three documents in the test split's layouts with values neither split has: saved as PNGs."""
    picker = ValuePicker(rng, "test", taken)
    fonts = [p for p in available_fonts() if p is None or "DejaVuSans.ttf" in p or "NanumGothic.ttf" in p]
    fresh = []
    for index, (kind, layout) in enumerate([("invoice", INVOICE_LAYOUTS["test"][0]),
                                            ("receipt", RECEIPT_LAYOUTS["test"][0]),
                                            ("invoice", INVOICE_LAYOUTS["test"][2])]):
        f = picker.fields(kind)
        page = (draw_invoice if kind == "invoice" else draw_receipt)(f, layout, fonts[index % len(fonts)], rng)
        image = page.render(page.height)
        name = f"docqa_{kind}_{index + 1}.png"
        image.save(DOCUMENTS / name, optimize=True)
        words, boxes = ocr(image)
        qas, _ = questions(f, page, words, boxes, image, rng)
        fresh.append({"image": f"documents/{name}", "kind": kind, "layout": layout["name"],
                      "answers": {qa["field"]: qa["answer"] for qa in qas}})
    return fresh


def main() -> None:
    # one OpenMP thread per tesseract: on a busy machine its threads only wait for each other (2x faster)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    train, train_values = make_split("train", TRAIN_DOCUMENTS, set(), rng)
    test, test_values = make_split("test", TEST_DOCUMENTS, train_values, rng)
    write_jsonl(OUT / "train.jsonl", train)
    write_jsonl(OUT / "test.jsonl", test)
    fresh = make_fresh(train_values | test_values, rng)
    (OUT / "fresh.json").write_text(json.dumps(fresh, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in sorted(OUT.glob("*")) + sorted(DOCUMENTS.glob("docqa_*.png")):
        print(f"{path.relative_to(HERE)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
