from rubric.text import IndexedText, clean_answer, compile_phrase, split_sentences, stems


def test_stems_fold_inflections_and_accents():
    assert stems("Indexes INDEXING indexed") == ["index", "index", "index"]
    assert stems("café") == ["cafe"]


def test_contiguous_phrase_matches_in_order_only():
    text = IndexedText("We used a connection pool with PgBouncer in front of Postgres.")
    assert text.find(compile_phrase("connection pools")) is not None
    assert text.find(compile_phrase("pool connection")) is None


def test_plus_phrase_needs_every_part_anywhere():
    text = IndexedText("The session comes from a dependency. It is closed after yield.")
    assert text.find(compile_phrase("yield + session")) is not None
    assert text.find(compile_phrase("yield + transaction")) is None


def test_symbols_split_into_words():
    assert IndexedText("avoid the N+1 problem").find(compile_phrase("n+1")) is not None
    assert IndexedText("def get_db():").find(compile_phrase("get db")) is not None


def test_clean_answer_strips_control_characters_but_keeps_lines():
    assert clean_answer("  a\x00b\x1b[31mc\r\nd\t ") == "ab[31mc\nd"


def test_split_sentences():
    assert split_sentences("One. Two? Three!\nFour") == ["One.", "Two?", "Three!", "Four"]


def test_british_and_american_spellings_match():
    assert stems("organised behaviour learnt") == stems("organized behavior learned")
