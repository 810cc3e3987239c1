"""How the .xls fixtures here were made (run once by hand; xlwt is not a project dependency):

    pip install --target /tmp/xlwt xlwt && PYTHONPATH=/tmp/xlwt python tests/data/readers/make_xls.py
"""

from pathlib import Path

import xlwt

HERE = Path(__file__).resolve().parent

book = xlwt.Workbook()
cards = book.add_sheet("Cards")
# Row 1 is left empty: the header is on spreadsheet row 2.
for col, name in enumerate(["ICCID", "IMSI", "PIN1", "Description"]):
    cards.write(1, col, name)
cards.write(2, 0, "8947000000000012140F")
cards.write(2, 1, "242017100011213")
cards.write(2, 2, 1234)  # a PIN held as a number
cards.write(2, 3, "  first card ")
# Row 4 is empty.
cards.write(4, 0, "8947000000000012157F")
cards.write(4, 1, 242017100011214)  # an IMSI held as a number: exact below 2**53
cards.write(4, 2, "0012")
cards.write(4, 3, "second, with a comma")
book.add_sheet("Notes").write(0, 0, "delivered 2024-05-01")
book.save(HERE / "cards.xls")

book = xlwt.Workbook()
sheet = book.add_sheet("Sheet1")
sheet.write(0, 0, "ICCID")
sheet.write(0, 1, "IMSI")
sheet.write(1, 0, "8947000000000012140F")
sheet.write(1, 1, "242017100011213")
sheet.write(2, 0, 8947000000000012157)  # typed as a number: stored as 8.947000000000012E+18
sheet.write(2, 1, "242017100011214")
book.save(HERE / "numeric_iccid.xls")
