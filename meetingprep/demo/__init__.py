"""Demo data: a believable preparation of a municipal CPPCC plenary.

``build_demo`` creates the meeting, groups and people, then hands a DemoContext to each domain's
seeder in ``registry.SEEDERS`` order, so every domain fills in its own part of the story.
"""
