from rubric.text import (
    IndexedText,
    clean_answer,
    compile_phrase,
    compile_sense,
    split_sentences,
    stems,
)


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


def test_a_code_name_phrase_matches_only_the_code_name():
    phrase = compile_phrase("asyncio.wait_for")
    assert IndexedText("wrap it in asyncio.wait_for(call, 2)").find(phrase) is not None
    assert IndexedText("the asyncio loop was waiting for the call").find(phrase) is None
    # Prose phrasings still match code names.
    assert IndexedText("async with asyncio.timeout(2):").find(compile_phrase("asyncio timeout"))


def test_a_word_in_another_sense_is_only_matched_by_that_sense():
    sense = compile_sense("[authorization] bearer")
    header = IndexedText("Send Authorization: Bearer abc on each call.", (sense,))
    assert header.find(compile_phrase("authorization")) is None
    assert header.find(compile_phrase("bearer")) is not None
    assert header.find(compile_phrase("authorization bearer")) is not None
    other = IndexedText("Authorization decides what a user may do.", (sense,))
    assert other.find(compile_phrase("authorization")) is not None


def test_stems_keep_words_of_another_meaning_apart():
    assert stems("valid validation")[0] != stems("valid validation")[1]
    assert stems("author authorization")[0] != stems("author authorization")[1]


def test_symbols_split_into_words():
    assert IndexedText("avoid the N+1 problem").find(compile_phrase("n+1")) is not None
    assert IndexedText("def get_db():").find(compile_phrase("get db")) is not None


def test_clean_answer_strips_control_characters_but_keeps_lines():
    assert clean_answer("  a\x00b\x1b[31mc\r\nd\t ") == "ab[31mc\nd"


def test_split_sentences():
    assert split_sentences("One. Two? Three!\nFour") == ["One.", "Two?", "Three!", "Four"]


def test_british_and_american_spellings_match():
    assert stems("organised behaviour learnt") == stems("organized behavior learned")
