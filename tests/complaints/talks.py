"""C13.2.4 records the complaint tests fill in: the talks with both parties and with the direct superior."""

TALKS = {
    "complainant_talk_with": "张三", "complainant_talked_at": "2026-03-03T10:00:00+08:00",
    "complainant_talk_how": "phone", "complainant_said": "告知调查经过", "complainant_agrees": True,
    "complainee_talk_with": "lz_staff2", "complainee_talked_at": "2026-03-03T11:00:00+08:00",
    "complainee_talk_how": "in_person", "complainee_said": "告知调查经过", "complainee_agrees": True,
}  # fmt: skip
SUPERIOR_TALK = {"superior_talked_at": "2026-03-03T15:00:00+08:00", "superior_talk_how": "in_person"}
