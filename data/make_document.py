"""Render the course's document images: an invoice and a receipt.

Run ``python data/make_document.py`` (needs Pillow >= 10.1 for a sized default
font). They are the inputs for document question answering: the pipeline OCRs
them with tesseract, so the text is large, black on white, and in PIL's
built-in font, which tesseract reads cleanly. Every name, address and number
on them is made up.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DOCUMENTS = Path(__file__).resolve().parent / "documents"

# (x, y, text) in pixels; a line is about 36 px high
INVOICE_SIZE = (1100, 1000)
INVOICE_LINES = [
    (60, 50, "INVOICE"),
    (60, 130, "Harbour Lane Bakery"),
    (60, 175, "12 Harbour Lane, Kelmore"),
    (560, 130, "Invoice number: 2024-0117"),
    (560, 175, "Date: 2024-03-15"),
    (60, 270, "Bill to: Seaside Cafe"),
    (60, 315, "4 Lighthouse Road, Kelmore"),
    (60, 420, "Item"),
    (520, 420, "Qty"),
    (640, 420, "Price"),
    (800, 420, "Amount"),
    (60, 480, "Sourdough loaf"),
    (520, 480, "10"),
    (640, 480, "800"),
    (800, 480, "8,000"),
    (60, 530, "Butter croissant"),
    (520, 530, "20"),
    (640, 530, "300"),
    (800, 530, "6,000"),
    (60, 580, "Apple pie"),
    (520, 580, "2"),
    (640, 580, "1,500"),
    (800, 580, "3,000"),
    (520, 680, "Total amount: 17,000"),
    (60, 800, "Due date: 2024-04-15"),
    (60, 845, "Payment: bank transfer"),
    (60, 890, "Thank you for your order!"),
]
INVOICE_RULES = [(60, 465, 1040, 465), (60, 640, 1040, 640)]  # lines under the header, above the total

RECEIPT_SIZE = (640, 820)
RECEIPT_LINES = [
    (60, 40, "CORNER BOOKSHOP"),
    (60, 100, "Receipt no. 5531"),
    (60, 145, "2024-05-02 14:37"),
    (60, 230, "Notebook"),
    (440, 230, "4,500"),
    (60, 280, "Pencil set"),
    (440, 280, "2,000"),
    (60, 330, "Atlas of Rivers"),
    (440, 330, "18,500"),
    (60, 430, "Total"),
    (440, 430, "25,000"),
    (60, 480, "Paid by card"),
    (60, 580, "Please come again"),
]
RECEIPT_RULES = [(60, 210, 580, 210), (60, 400, 580, 400)]


def render(size, lines, rules, path: Path) -> None:
    font = ImageFont.load_default(size=36)
    image = Image.new("L", size, color=255)  # grayscale keeps the PNG small
    draw = ImageDraw.Draw(image)
    for x, y, text in lines:
        right, bottom = draw.textbbox((x, y), text, font=font)[2:]
        if right > size[0] - 30 or bottom > size[1] - 30:
            raise ValueError(f"{text!r} runs off the page")
        draw.text((x, y), text, fill=0, font=font)
    for rule in rules:
        draw.line(rule, fill=0, width=2)
    image.save(path, optimize=True)


def main() -> None:
    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    render(INVOICE_SIZE, INVOICE_LINES, INVOICE_RULES, DOCUMENTS / "invoice.png")
    render(RECEIPT_SIZE, RECEIPT_LINES, RECEIPT_RULES, DOCUMENTS / "receipt.png")
    for path in sorted(DOCUMENTS.glob("*.png")):
        print(f"{path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
