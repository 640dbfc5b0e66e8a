import pytest

from callwarden.screening.categories import Category, categorise


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("您好，这里是平安保险，我们有一款百万医疗险活动，住院费用都能报销。", Category.INSURANCE),
        (
            "我是售楼处的置业顾问，地铁口精装两居，首付只要三十万，周末来看房吗？",
            Category.REAL_ESTATE,
        ),
        ("家长您好，我们有名师一对一的免费试听课，孩子上几年级了？", Category.EDUCATION),
        ("您的信用额度已经审批下来了，日息低至万分之二，当天放款。", Category.LOANS),
        ("这里是口腔医院，种植牙惠民活动，可以先预约免费检查。", Category.MEDICAL),
        ("喂，你好，有你个快递，放门口可以吗？", Category.COURIER),
        ("我是信用卡中心的，您本期账单的还款日是下周三。", Category.BANK_SERVICE),
        (
            "这里是公安局，您的身份证涉嫌洗钱，请把资金转到安全账户。",
            Category.FRAUD_IMPERSONATION_POLICE,
        ),
        (
            "您的会员即将自动扣费，请打开支付宝备用金按我的提示关闭。",
            Category.FRAUD_CUSTOMER_SERVICE,
        ),
        ("您有一笔无抵押贷款，先交解冻金验证还款能力，放款后退还。", Category.FRAUD_LOAN),
        ("Hello, this is an automated call about your car warranty.", Category.INSURANCE),
        ("You have been pre-approved for a business loan.", Category.LOANS),
        ("今天天气不错，晚上一起吃饭吗？", Category.UNKNOWN),
    ],
)
def test_categorise(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got
    assert (got.score > 0) == (category is not Category.UNKNOWN)


def test_fraud_outweighs_the_service_it_imitates() -> None:
    got = categorise("我是银行客服，您的账户涉嫌洗钱，需要把钱转到安全账户核查。")
    assert got.is_fraud and "安全账户" in got.matched
    assert categorise("您的快递到了").is_legitimate_service
