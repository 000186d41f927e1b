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


def test_plus_phrase_parts_must_stand_close_when_a_window_is_given():
    near = IndexedText("The session is closed after the yield.")
    far = IndexedText(
        "The session comes from a dependency that the router declares once for every "
        "endpoint in the module, and much later in the request it is closed after yield."
    )
    phrase = compile_phrase("yield + session")
    assert near.find(phrase, window=12) is not None
    assert far.find(phrase) is not None
    assert far.find(phrase, window=12) is None
    # Any occurrence of each part may pair up: a later "session" near the yield still counts.
    assert IndexedText(far.text + " The session ends at yield.").find(phrase, window=12)


def test_affirmed_phrase_tolerates_padding_but_not_a_negation_inside_it():
    phrase = compile_phrase("async is multithreading")
    assert IndexedText("Async is basically multithreading made easy.").find_affirmed(
        phrase, max_gap=2
    )
    assert not IndexedText("Async is basically multithreading.").find_affirmed(phrase)
    assert not IndexedText("Async is not multithreading.").find_affirmed(phrase, max_gap=2)
    assert not IndexedText("It is a myth that async is multithreading.").find_affirmed(phrase)
    # A negation that belongs to the misconception itself does not cancel it.
    assert IndexedText("Honestly, await doesn't wait.").find_affirmed(
        compile_phrase("await doesn't wait"), max_gap=2
    )


def test_symbols_split_into_words():
    assert IndexedText("avoid the N+1 problem").find(compile_phrase("n+1")) is not None
    assert IndexedText("def get_db():").find(compile_phrase("get db")) is not None


def test_clean_answer_strips_control_characters_but_keeps_lines():
    assert clean_answer("  a\x00b\x1b[31mc\r\nd\t ") == "ab[31mc\nd"


def test_split_sentences():
    assert split_sentences("One. Two? Three!\nFour") == ["One.", "Two?", "Three!", "Four"]


def test_british_and_american_spellings_match():
    assert stems("organised behaviour learnt") == stems("organized behavior learned")
