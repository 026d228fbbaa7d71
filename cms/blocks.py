"""StreamField blocks for site pages and lessons.

Knowledge-check questions and choices are ListBlock items, so each has a stable id that
answers are recorded against: editing a question's wording keeps old attempts readable.
"""

import re
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(choices=[("h2", "Section"), ("h3", "Subsection")], default="h2")

    class Meta:
        icon = "title"
        template = "cms/blocks/heading.html"
        preview_value = {"text": "Informed consent for ketamine treatment", "level": "h2"}
        description = "A section heading; screen readers use it to navigate the lesson."


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    body = blocks.RichTextBlock(features=["bold", "italic", "link", "ul"])

    class Meta:
        icon = "warning"
        template = "cms/blocks/callout.html"
        preview_value = {
            "title": "Safety note",
            "body": "<p>Monitor blood pressure before and after every administration.</p>",
        }
        description = "A highlighted note, e.g. safety or scope-of-practice."


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250, help_text="Describe the image for people who cannot see it."
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "cms/blocks/image.html"
        preview_template = "cms/blocks/previews/image.html"
        description = "An image with alternative text and an optional caption."


_VIDEO_HOSTS = {
    "www.youtube.com": "youtube", "youtube.com": "youtube", "youtu.be": "youtube",
    "vimeo.com": "vimeo", "player.vimeo.com": "vimeo",
}


def video_embed_url(url: str) -> str | None:
    """The privacy-friendly player URL for a YouTube or Vimeo link, built locally (no
    oEmbed call, so lessons render without reaching the video host)."""
    parts = urlsplit(url)
    host = _VIDEO_HOSTS.get(parts.netloc.lower())
    if host == "youtube":
        if parts.netloc.lower() == "youtu.be":
            video_id = parts.path.strip("/")
        else:
            video_id = (parse_qs(parts.query).get("v") or [""])[0] or parts.path.rsplit("/", 1)[-1]
        if re.fullmatch(r"[\w-]{6,20}", video_id or ""):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if host == "vimeo":
        video_id = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if re.fullmatch(r"[0-9]+", video_id):  # ASCII digits: str.isdigit() passes "²"
            return f"https://player.vimeo.com/video/{video_id}?dnt=1"
    return None


class VideoBlock(blocks.StructBlock):
    url = blocks.URLBlock(help_text="A YouTube or Vimeo link.")
    title = blocks.CharBlock(max_length=200, help_text="Announced to screen readers.")
    transcript = blocks.RichTextBlock(required=False, features=["bold", "italic", "ul", "ol"])

    class Meta:
        icon = "media"
        template = "cms/blocks/video.html"
        preview_value = {
            "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
            "title": "Example lecture",
            "transcript": "<p>Transcript of the lecture.</p>",
        }
        description = "An embedded video with its transcript."

    def clean(self, value):
        value = super().clean(value)
        if video_embed_url(value["url"]) is None:
            raise StructBlockValidationError(
                {"url": ValidationError("Use a YouTube (youtube.com, youtu.be) or Vimeo link.")}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["embed_url"] = video_embed_url(value["url"])
        return context


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    description = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "doc-full"
        template = "cms/blocks/document.html"
        preview_template = "cms/blocks/previews/document.html"
        description = "A downloadable document, served only to people who may read the lesson."


class ReflectionPromptBlock(blocks.StructBlock):
    prompt = blocks.TextBlock(help_text="The question the trainee answers privately.")
    guidance = blocks.CharBlock(
        required=False, max_length=250, help_text="What a good reflection covers."
    )

    class Meta:
        icon = "edit"
        template = "cms/blocks/reflection.html"
        preview_value = {
            "prompt": "Which of your own reactions might you bring into a ketamine session?",
            "guidance": "Name one reaction and how you would notice it.",
        }
        description = "A private written reflection the trainee can later use as evidence."


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300)
    correct = blocks.BooleanBlock(required=False)
    explanation = blocks.TextBlock(help_text="Why this choice is right or wrong.")

    class Meta:
        icon = "radio-full"


class QuestionBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    choices = blocks.ListBlock(ChoiceBlock(), min_num=2, max_num=8)

    class Meta:
        icon = "help"

    def clean(self, value):
        value = super().clean(value)
        if not any(choice["correct"] for choice in value["choices"]):
            raise StructBlockValidationError(
                {"choices": ValidationError("Mark at least one choice as correct.")}
            )
        return value


class KnowledgeCheckBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, default="Check your understanding")
    pass_mark = blocks.IntegerBlock(
        min_value=1, max_value=100, default=75, help_text="Percentage of questions to get right."
    )
    max_attempts = blocks.IntegerBlock(
        min_value=0, max_value=20, default=0, help_text="0 means unlimited attempts."
    )
    questions = blocks.ListBlock(QuestionBlock(), min_num=1, max_num=30)

    class Meta:
        icon = "tick-inverse"
        template = "cms/blocks/knowledge_check.html"
        preview_value = {
            "title": "Check your understanding",
            "pass_mark": 75,
            "max_attempts": 0,
            "questions": [
                {
                    "text": "Under US federal law, ketamine is in which schedule?",
                    "choices": [
                        {"text": "Schedule III", "correct": True,
                         "explanation": "Ketamine has been Schedule III since 1999."},
                        {"text": "Schedule I", "correct": False,
                         "explanation": "Schedule I drugs have no accepted medical use."},
                    ],
                }
            ],
        }
        description = "Questions with one or more correct choices, a pass mark and attempts."


class PageBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=RICH_FEATURES,
        icon="pilcrow",
        preview_value="<p>Kapstone hosts the program's curriculum and records.</p>",
        description="Formatted text.",
    )
    callout = CalloutBlock()


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=RICH_FEATURES,
        icon="pilcrow",
        preview_value="<p>Ketamine is a dissociative anaesthetic with rapid antidepressant effects.</p>",
        description="Formatted text.",
    )
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    callout = CalloutBlock()
    reflection = ReflectionPromptBlock()
    knowledge_check = KnowledgeCheckBlock()


class CheckSpec:
    """A knowledge check as scoring needs it: ids only, read from the stored block."""

    def __init__(self, block_id: str, value):
        self.id = block_id
        self.title = value["title"]
        self.pass_mark = value["pass_mark"]
        self.max_attempts = value["max_attempts"]
        self.questions = [
            (
                question.id,
                {choice.id for choice in question.value["choices"].bound_blocks},
                {c.id for c in question.value["choices"].bound_blocks if c.value["correct"]},
            )
            for question in value["questions"].bound_blocks
        ]

    @cached_property
    def question_ids(self) -> list[str]:
        return [qid for qid, _, _ in self.questions]
