"""``{% fragment key %}…{% endfragment %}``: the block between the tags rendered once
and cached under ``key`` (``core.fragments.cached_fragment``), which the view builds in
Python from everything the block shows. An empty key renders the block uncached.

The block must show nothing tied to one response: no ``{% csrf_token %}``, no one-time
token; forms stay outside it.
"""

from django import template

from core.fragments import cached_fragment

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, key: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.key = key
        self.nodelist = nodelist

    def render(self, context) -> str:
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        return cached_fragment(key, lambda: self.nodelist.render(context))


@register.tag("fragment")
def do_fragment(parser, token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment key %} takes exactly one argument, the key.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    for node in nodelist.get_nodes_by_type(template.defaulttags.CsrfTokenNode):
        raise template.TemplateSyntaxError(
            f"A cached fragment cannot hold a CSRF token ({node.origin}): keep forms outside it.")
    return FragmentNode(parser.compile_filter(bits[1]), nodelist)
