"""Steps the browser tests share on lesson pages."""


def answer_check(page, lesson_spec, correct: bool) -> None:
    """Answer the lesson's knowledge check (from the curriculum's JSON) and submit it:
    every right choice, or one wrong choice per question."""
    check = next(b for b in lesson_spec["body"] if b["type"] == "knowledge_check")["value"]
    for question in check["questions"]:
        fieldset = page.locator("fieldset.question", has_text=question["text"][:60])
        picks = [c for c in question["choices"] if c["correct"] == correct][: (None if correct else 1)]
        for choice in picks:
            fieldset.get_by_label(choice["text"], exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_load_state()
