"""Reading bulk-award uploads: encodings, delimiters, headers, JSON lines and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulk.parsing import MAX_BYTES, MAX_ROWS, BulkFileError, parse_upload


def test_utf8_csv():
    parsed = parse_upload(b"email,name,achievement\nada@example.org,Ada,python-basics\nbob@example.org,Bob,sql\n")
    assert parsed.format == "csv"
    assert parsed.encoding == "utf-8"
    assert parsed.delimiter == ","
    assert parsed.columns == ["email", "name", "achievement"]
    assert [(r.line, r.values) for r in parsed.rows] == [
        (2, {"email": "ada@example.org", "name": "Ada", "achievement": "python-basics"}),
        (3, {"email": "bob@example.org", "name": "Bob", "achievement": "sql"}),
    ]


def test_utf8_bom_csv():
    parsed = parse_upload("\ufeffEmail,Name\nzoe@example.org,Zoë\n".encode())
    assert parsed.encoding == "utf-8-sig"
    assert parsed.columns == ["email", "name"]
    assert parsed.rows[0].values == {"email": "zoe@example.org", "name": "Zoë"}


def test_latin1_csv():
    parsed = parse_upload("email;name\nrene@example.org;René\n".encode("latin-1"))
    assert parsed.encoding == "latin-1"
    assert parsed.rows[0].values["name"] == "René"


@pytest.mark.parametrize(("_case", "delimiter"), [("semicolon", ";"), ("tab", "\t"), ("pipe", "|"), ("comma", ",")])
def test_delimiters(_case, delimiter):
    text = delimiter.join(["email", "name", "valid until"]) + "\n"
    text += delimiter.join(["ada@example.org", "Ada, Countess", "2030-01-01"]) + "\n"
    if delimiter == ",":
        text = 'email,name,valid until\nada@example.org,"Ada, Countess",2030-01-01\n'
    parsed = parse_upload(text.encode())
    assert parsed.delimiter == delimiter
    assert parsed.rows[0].values == {"email": "ada@example.org", "name": "Ada, Countess", "valid_until": "2030-01-01"}


def test_single_column_file():
    parsed = parse_upload(b"email\nada@example.org\n")
    assert parsed.columns == ["email"]
    assert parsed.rows[0].values == {"email": "ada@example.org"}


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("E-mail", "email"),
        ("  EMAIL ADDRESS ", "email"),
        ("e_mail", "email"),
        ("Evidence URL", "evidence_url"),
        ("evidence_url", "evidence_url"),
        ("Evidence Narrative", "evidence_narrative"),
        ("Valid Until", "valid_until"),
        ("valid_until", "valid_until"),
        ("Expires", "valid_until"),
        ("External ID", "external_id"),
        ("external_id", "external_id"),
        ("ACHIEVEMENT", "achievement"),
        ("Name", "name"),
    ],
)
def test_header_variants(header, column):
    extra = "" if column == "email" else ",email"
    parsed = parse_upload(f"{header}{extra}\nx{',a@example.org' if extra else ''}\n".encode())
    assert parsed.columns[0] == column


def test_line_numbers_count_header_blank_lines_and_multiline_fields():
    parsed = parse_upload(b'email,evidence narrative\na@example.org,"two\nlines"\n\nb@example.org,x\n')
    assert [r.line for r in parsed.rows] == [2, 5]
    assert parsed.rows[0].values["evidence_narrative"] == "two\nlines"


def test_ragged_row_is_reported_on_the_row():
    parsed = parse_upload(b"email,name\na@example.org,Ada\nb@example.org,Bob,extra\nc@example.org\nd@example.org,D,,\n")
    assert parsed.rows[0].errors == []
    assert parsed.rows[1].errors == ["3 fields but the header has 2; check the delimiter or quotes"]
    assert parsed.rows[2].errors == []
    assert parsed.rows[2].values == {"email": "c@example.org"}
    assert parsed.rows[3].errors == []  # trailing empty fields are a spreadsheet habit, not an error


def test_jsonl_line_separator_inside_a_string():
    parsed = parse_upload('{"email": "a@example.org", "name": "A\u2028B"}\r\n{"email": "b@example.org"}\n'.encode())
    assert [(r.line, r.values["email"]) for r in parsed.rows] == [(1, "a@example.org"), (2, "b@example.org")]
    assert parsed.rows[0].values["name"] == "A\u2028B"


def test_jsonl_by_content():
    data = b'{"email": "a@example.org", "Achievement": "python-basics", "external_id": 17}\n\n{"E-mail": "b@example.org"}\n'
    parsed = parse_upload(data)
    assert parsed.format == "jsonl"
    assert parsed.delimiter is None
    assert parsed.columns == ["email", "achievement", "external_id"]
    assert [(r.line, r.values) for r in parsed.rows] == [
        (1, {"email": "a@example.org", "achievement": "python-basics", "external_id": "17"}),
        (3, {"email": "b@example.org"}),
    ]


def test_jsonl_by_filename():
    parsed = parse_upload(b'  \n{"email": "a@example.org"}', filename="awards.NDJSON")
    assert parsed.format == "jsonl"
    assert parsed.rows[0].line == 2


def test_jsonl_nested_value_is_a_row_error():
    parsed = parse_upload(b'{"email": "a@example.org", "name": ["x"]}\n')
    assert parsed.rows[0].errors == ["'name' must be text, found list"]


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("empty", b"", "The file is empty."),
        ("blank", b"  \n\n", "The file is empty."),
        ("bom only", b"\xef\xbb\xbf", "The file is empty."),
        ("header only", b"email,name\n", "The file has a header but no rows."),
        ("header and blank lines", b"email,name\n\n,\n", "The file has a header but no rows."),
        ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "This is not a text file"),
        ("control bytes", b"email\n\x01\x02\x03\x04", "This is not a text file"),
        ("no email column", b"name\nAda\n", "The required column 'email' is missing. Accepted columns: email, name"),
        ("duplicate column", b"email,E-mail\na,b\n", "The column 'email' appears twice"),
        ("jsonl array line", b'{"email": "a@example.org"}\n[1, 2]\n', "Line 2: expected a JSON object"),
        ("jsonl broken line", b'{"email": "a@example.org"}\n\n{"email": \n', "Line 3: not valid JSON"),
        ("jsonl unknown field", b'{"email": "a@example.org", "score": 3}\n', "Line 1: unknown field 'score'"),
        ("jsonl no email", b'{"name": "Ada"}\n', "The required field 'email' is missing"),
    ],
)
def test_bad_files(_case, data, message):
    with pytest.raises(BulkFileError) as caught:
        parse_upload(data)
    assert str(caught.value).startswith(message)


def test_unknown_columns_are_named_with_the_accepted_ones():
    with pytest.raises(BulkFileError) as caught:
        parse_upload(b"email,id,Score\na@example.org,1,2\n")
    assert str(caught.value) == (
        "Unknown columns: 'id', 'Score'. "
        "Accepted columns: email, name, achievement, evidence_url, evidence_narrative, valid_until, external_id, language, "
        "result, awarded_date, activity_start_date, activity_end_date, narrative, evidence_name, result:<name>."
    )


def test_too_large_is_refused_before_decoding():
    data = b"email\n" + b"a" * (MAX_BYTES + 1 - 6)
    assert len(data) == MAX_BYTES + 1
    with pytest.raises(BulkFileError, match="larger than 20 MB"):
        parse_upload(data)


def test_exactly_the_size_limit_is_read():
    line = b"a@example.org\n"
    data = b"email\n" + line * ((MAX_BYTES - 6) // len(line))
    data += b" " * (MAX_BYTES - len(data))
    with pytest.raises(BulkFileError, match="more than 100,000 rows"):
        parse_upload(data)  # not too large: it gets as far as counting rows


def test_row_limit():
    ok = b"email\n" + b"a@example.org\n" * MAX_ROWS
    assert len(parse_upload(ok).rows) == MAX_ROWS
    with pytest.raises(BulkFileError, match="more than 100,000 rows"):
        parse_upload(ok + b"b@example.org\n")
    jsonl = b'{"email": "a@example.org"}\n' * (MAX_ROWS + 1)
    with pytest.raises(BulkFileError, match="more than 100,000 rows"):
        parse_upload(jsonl)


def test_template_is_a_valid_upload():
    template = Path(__file__).resolve().parents[2] / "templates" / "bulk" / "template.csv"
    parsed = parse_upload(template.read_bytes(), filename=template.name)
    assert parsed.columns == [
        "email",
        "name",
        "achievement",
        "evidence_url",
        "evidence_name",
        "evidence_narrative",
        "valid_until",
        "external_id",
        "result",
        "awarded_date",
        "activity_start_date",
        "activity_end_date",
        "narrative",
    ]
    assert len(parsed.rows) == 2
    assert all(not row.errors for row in parsed.rows)
