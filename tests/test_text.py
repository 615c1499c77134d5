"""Chinese text handling: script conversion, normalisation, sound-alike matching, hallucination filters."""
from __future__ import annotations

from voiceqa.asr import hallucination as hal
from voiceqa.text.chinese import cer, chinese_punctuation, normalize_for_compare, to_simplified
from voiceqa.text.pinyin_match import contains, find


def test_traditional_to_simplified():
    assert to_simplified("請問還有什麼可以幫您") == "请问还有什么可以帮您"
    assert to_simplified("您好") == "您好"


def test_normalise_digits_punctuation_width():
    assert normalize_for_compare("手机号是幺三八，一二三四！") == normalize_for_compare("手机号是138 1234")
    assert normalize_for_compare("ＡＢＣ１２３。") == "abc123"


def test_cer_counts_after_normalisation():
    assert cer("工号六三九四四。", "工号63944") == (0, 7)
    errors, n = cer("您好，工号六三九四四", "你好，公号63944")
    assert (errors, n) == (2, 9)


def test_chinese_punctuation():
    assert chinese_punctuation("你好, 公号 68923, 很高兴.") == "你好，公号68923，很高兴。"
    assert chinese_punctuation("价格3.5元?") == "价格3.5元？"


def test_pinyin_matches_asr_homophones():
    # whisper writes 工号 as 公号 and 查询 as 查行(xíng/háng) on real calls
    assert contains("你好，公号六三九四四", "工号")
    assert not contains("你好，公号六三九四四", "工号", mode="exact")
    assert contains("我帮您查行一下订单", "查询") is False  # different syllable: not pinyin-equal
    assert contains("我帮您查行一下订单", "帮您查询一下", mode="fuzzy")  # one syllable off in six


def test_pinyin_folds_confusable_initials():
    assert contains("这不归我管", "这不归我管")
    assert contains("ze不归我管", "这不归我管") is False  # latin letters are not syllables
    assert contains("则不归我管", "这不归我管")  # zhe/ze folded


def test_find_returns_spans_in_text():
    m = find("好的，公号12345，很高兴", "工号")
    assert len(m) == 1 and (m[0].start, m[0].end) == (3, 5) and m[0].mode == "pinyin"


def test_fuzzy_tolerates_an_inserted_or_dropped_syllable():
    # the ASR adds a syllable (我) or drops one (以): substitution-only alignment missed both
    m = find("请问还有什么我可以帮您的吗", "还有什么可以帮您", mode="fuzzy")
    assert [(x.start, x.end, x.distance, x.mode) for x in m] == [(2, 11, 1, "fuzzy")]
    m = find("请问还有什么可帮您", "还有什么可以帮您", mode="fuzzy")
    assert [(x.start, x.end, x.distance) for x in m] == [(2, 9, 1)]
    assert contains("感谢您的耐心等待", "感谢您耐心等待", mode="fuzzy")
    # one edit in 4-7 syllables by default: two dropped syllables are too many ...
    assert not contains("感谢来电再见", "感谢您的来电", mode="fuzzy")
    # ... unless the caller allows more; and pinyin mode allows none
    assert contains("感谢来电再见", "感谢您的来电", mode="fuzzy", max_edits=2)
    assert not contains("请问还有什么我可以帮您的吗", "还有什么可以帮您", mode="pinyin")
    # a 4-syllable phrase may be misheard, never shortened: 就这样吧 is not 就先这样
    assert not contains("行，那就这样吧", "就先这样", mode="fuzzy")
    assert contains("那就先这羊", "就先这样", mode="fuzzy")
    # a match does not swallow the neighbouring syllable when the phrase is there (by sound)
    m = find("好的感谢您耐心等代了", "感谢您耐心等待", mode="fuzzy", max_edits=1)
    assert [(x.start, x.end, x.distance, x.mode) for x in m] == [(2, 9, 0, "pinyin")]


def test_fuzzy_does_not_match_unrelated_text():
    assert not contains("今天天气很好我们去公园", "还有什么可以帮您", mode="fuzzy")


def test_repetition_loops_collapse():
    assert hal.collapse_repeats("谢谢谢谢谢谢谢谢谢谢") == "谢谢"
    assert hal.collapse_repeats("说一句话说一句话说一句话说一句话") == "说一句话说一句话"
    assert hal.collapse_repeats("13242525252526") == "1324252526"
    assert hal.collapse_repeats("13855550000") == "13855550000"  # real digit runs survive
    assert hal.looks_like_loop("说一句话," * 20)


def test_subtitle_credits_and_prompt_echo():
    assert hal.is_subtitle_credit("字幕由Amara.org社群提供")
    assert hal.is_subtitle_credit("請不吝點贊訂閱轉發打賞支持明鏡與點點欄目")
    assert not hal.is_subtitle_credit("请问还有什么可以帮您")
    assert hal.is_prompt_echo("以下是普通话的句子", "以下是普通话的句子。")
    assert not hal.is_prompt_echo("我想查一下订单", "以下是普通话的句子。")


def test_a_clause_has_two_grains():
    from voiceqa.text.words import COARSE_CLAUSE_MARKS, clause_bounds

    text = "您的余额是3.5元、积分20分，请核对"
    # fine: the enumeration comma and the decimal point end a clause (negation and exclusion scope)
    assert text[slice(*clause_bounds(text, 0))] == "您的余额是3"
    # coarse: only commas and sentence marks do (reported speech, a rubric's then_not)
    assert text[slice(*clause_bounds(text, 0, COARSE_CLAUSE_MARKS))] == "您的余额是3.5元、积分20分"
    assert text[slice(*clause_bounds(text, len(text) - 1, COARSE_CLAUSE_MARKS))] == "请核对"


def test_negation_cue_heard_by_sound_where_a_lone_character_stands_in_its_place():
    """A negator misheard as a same-sounding character (我布是要投诉, 每有投诉的意思, 煤必要找经理)
    still negates with the rubric's ``negation_heard`` cues; a plain cue set, a sound-alike inside a
    word (一步) or one not before a predicate (美|团) does not."""
    from voiceqa.text.words import NegationCues, negated

    cues = frozenset({"不", "没", "没有", "不是", "不想", "别"})
    heard = NegationCues(cues, ("不", "没", "别"))
    for text, word in (("我布是要投诉你们", "投诉"), ("每有投诉的意思", "投诉"), ("煤必要找你们经理", "经理"),
                       ("我并布想打12345", "12345"), ("我美有骂人的意思", "骂人"), ("我步打算给差评", "差评")):
        at = text.index(word)
        assert negated(text, at, heard), text
        assert not negated(text, at, cues), text  # main's behaviour: the written character is no cue
    for text, word in (("这一步要投诉", "投诉"), ("我在美团下的单我要投诉", "投诉"), ("我要投诉你们市场部", "市场部")):
        assert not negated(text, text.index(word), heard), text


def test_function_words_are_not_a_heard_target():
    """A two-character target heard by sound where the writer put function words (几|折 for 记者,
    中|不 for 总部) is a dialect tag or a quantity, not the noun; a target heard in content
    characters (纪|者) still counts."""
    from voiceqa.text.phrases import find_phrase
    from voiceqa.text.words import function_words

    text = "这个套餐要是现在办能打几折啊"
    at = text.index("几折")
    assert function_words(text, at, at + 2)
    assert not find_phrase(text, "记者", "pinyin", written_words=True)
    assert find_phrase(text, "记者", "pinyin")  # without written_words the sound still matches
    assert find_phrase("我要打给纪者", "记者", "pinyin", written_words=True)


def test_written_word_counts_after_an_address_and_a_hit_before_a_subject_word_does_not():
    """``written_after``: an insult heard in an ordinary dictionary word (白吃 for 白痴) counts only
    right after an address (你个白吃); ``followed_not``: 你妈 right before 那边 is 你们 misheard."""
    from voiceqa.text.phrases import find_phrase

    assert not find_phrase("这个赠品是白吃的吗", "白痴", "pinyin", written_words=True, written_after=("你个",))
    assert find_phrase("你个白吃，我要的是退货", "白痴", "pinyin", written_words=True, written_after=("你个",))
    assert not find_phrase("你妈那边几点下班", "你妈", "pinyin", followed_not=("那边",))
    assert find_phrase("你妈的，几点下班", "你妈", "pinyin", followed_not=("那边",))
