from wagtail import blocks


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(choices=[("h2", "Section"), ("h3", "Subsection")], default="h2")

    class Meta:
        icon = "title"
        template = "cms/blocks/heading.html"
        preview_value = {"text": "What the certificate covers", "level": "h2"}


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    body = blocks.RichTextBlock(features=["bold", "italic", "link", "ul"])

    class Meta:
        icon = "warning"
        template = "cms/blocks/callout.html"
        preview_value = {
            "title": "Scope of practice",
            "body": "<p>The certificate recognises training; it confers no license.</p>",
        }


class PageBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul"],
        icon="pilcrow",
        preview_value="<p>Kapstone hosts the program's curriculum and records.</p>",
    )
    callout = CalloutBlock()
