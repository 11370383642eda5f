"""The block tree's reading of code fences cut short by a list item's end (tree.build)."""

from hlkb.parse.tree import build_tree, dump


def test_code_pasted_at_column_0_stays_in_its_item():
    lines = ["- first", "  ```", "x = 1", "```", "", "- second", ""]
    tree = dump(build_tree(lines))
    assert tree.splitlines()[-2:] == ["item '-'@0+2 6-6 ''", "  para 6-6 'second'"]
    assert "fence 2-4" in tree


def test_separate_code_block_after_an_item_is_left_as_commonmark_reads_it():
    # the item's fence ends with the item; the column-0 block opens and closes on its own
    lines = ["- first", "  ```", "  x = 1", "", "```", "y = 2", "```", "", "- second"]
    tree = dump(build_tree(lines))
    assert "fence 5-7" in tree and tree.splitlines()[-1] == "  para 9-9 'second'"


def test_unclosed_fence_with_an_info_string_is_not_a_closer():
    # "```py" can only open a block: the note really ends inside code
    lines = ["- first", "  ```", "x = 1", "```py", "- not an item"]
    tree = dump(build_tree(lines))
    assert "fence 4-5" in tree
