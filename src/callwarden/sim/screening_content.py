"""What the simulated callers of screening dialogues say: campaign scripts and human lines.

Bot scripts follow the AI outbound-calling templates the press investigation describes
(insurance, real estate, tutoring, clinics, loans) and common fraud scripts; each is a list
of segments a dialer plays in order. Slots in braces are filled per campaign.
"""

from __future__ import annotations

BOT_SCRIPTS: dict[tuple[str, str], list[list[str]]] = {
    ("insurance", "zh"): [
        [
            "您好，您可算接电话了，这里是{company}保险，我们最近有一款百万医疗险活动。",
            "每个月只要{amount}元，住院医疗费用都可以报销，社保不报的也能报。",
            "现在办理还赠送一年的意外险，您看要不要给您预留一个名额？",
            "那我稍后让专属顾问加您微信，把详细资料发给您，祝您生活愉快。",
        ],
        [
            "喂，能听清吗？这里是{company}人寿客服中心，回访一下您的保单权益。",
            "您的保单可以免费升级一份重疾保障，最高赔付{amount}万元。",
            "升级不需要额外交费，只需要您确认一下就可以了。",
            "好的，稍后会有工作人员跟您联系，感谢您的接听，再见。",
        ],
    ],
    ("real_estate", "zh"): [
        [
            "您好，打扰您一分钟，我是{company}售楼处的置业顾问，我们{district}的新盘开始认购了。",
            "地铁口精装两居，首付只要{amount}万，现在还有团购优惠。",
            "这周末售楼处有看房活动，到场还送礼品，您有时间过来看看吗？",
            "那我把楼盘资料发到您手机上，您有需要随时联系我，再见。",
        ],
    ],
    ("education", "zh"): [
        [
            "家长您好，我这边是{company}教育的课程顾问，孩子今年上几年级了呀？",
            "我们现在有名师一对一的免费试听课，数学英语都可以报名。",
            "这次活动只剩最后{amount}个名额，回复我一句就可以先帮孩子订课。",
            "那我先帮您登记一下，稍后老师会跟您联系，祝您生活愉快。",
        ],
    ],
    ("medical", "zh"): [
        [
            "您好，这里是{company}口腔医院，我们医院正在做种植牙惠民活动。",
            "进口种植体现在只要{amount}元一颗，还送全口检查和洗牙。",
            "您或者家里老人有牙齿方面的问题吗？可以先预约一个免费检查。",
            "好的，预约信息我稍后发到您手机上，感谢您的接听，再见。",
        ],
    ],
    ("loans", "zh"): [
        [
            "您好，这边是{company}金融，您的信用额度已经审批下来了，最高可以借{amount}万。",
            "日息低至万分之二，不看征信，当天就能到账。",
            "您现在有资金需求吗？我可以帮您先把额度激活一下。",
            "那我把申请链接发到您手机上，您有需要随时点开，再见。",
        ],
    ],
    ("impersonation_police", "zh"): [
        [
            "您好，这里是{district}公安局反诈中心，您的身份证涉嫌一起洗钱案件。",
            "现在需要您配合调查，否则我们将冻结您名下的所有银行账户。",
            "请您下载我们指定的安全软件，把资金转到安全账户进行核查。",
            "这件事情属于机密，请不要告诉任何人，否则后果自负。",
        ],
    ],
    ("fake_customer_service", "zh"): [
        [
            "您好，我是{company}的客服，您之前开通的会员服务即将自动扣费，每月{amount}元。",
            "如果不及时关闭，会影响您的个人征信。",
            "请您打开支付宝备用金，按照我的提示操作关闭这项服务。",
            "操作完成后费用会退回到您的账户，请您保持电话畅通。",
        ],
    ],
    ("loan_fraud", "zh"): [
        [
            "您好，我们是{company}贷款平台，您有一笔{amount}万的无抵押贷款可以领取。",
            "只需要先交一笔解冻金验证您的还款能力，放款后一并退还。",
            "请您添加我们客服的微信，按照流程办理即可当天放款。",
            "名额有限，今天之内不办理的话额度就会被收回。",
        ],
    ],
    ("insurance", "en"): [
        [
            "Hello, this is {company} benefits center calling about your health insurance plan.",
            "You may qualify for a plan starting at only {amount} dollars a month.",
            "This offer is only available for a limited time, so press one to speak with a "
            "licensed agent now.",
            "Thank you for your time, have a great day.",
        ],
    ],
    ("loans", "en"): [
        [
            "Hi, this is {company} funding, you have been pre-approved for a business loan of up "
            "to {amount} thousand dollars.",
            "No collateral required and funds can arrive within twenty four hours.",
            "Stay on the line to speak with a funding specialist.",
            "Thanks for your time, goodbye.",
        ],
    ],
    ("fake_customer_service", "en"): [
        [
            "This is an important message from {company} about a suspicious charge of {amount} "
            "dollars on your account.",
            "If you did not authorize this purchase, please stay on the line.",
            "We will need to verify your card number to cancel the order.",
            "Failure to respond will result in the charge being processed.",
        ],
    ],
}

FILLS = {
    "company": [
        "平安",
        "泰康",
        "华夏",
        "中原",
        "安心",
        "蓝天",
        "万达",
        "金鼎",
        "学而思",
        "博文",
        "瑞尔",
        "美佳",
        "京东",
        "淘宝",
        "抖音",
        "360借条",
        "Apex",
        "Summit",
        "Liberty",
        "Union",
    ],
    "amount": ["9", "19", "30", "50", "88", "100", "200", "3000"],
    "district": ["朝阳", "海淀", "浦东", "南山", "江北", "天河"],
    "place": ["门口", "小区门口", "楼下", "东门", "驿站", "前台", "地铁站", "超市旁边"],
    "place_en": ["door", "front gate", "lobby", "corner", "parking lot"],
}

# What scripted and intent-matching bots say to anything they do not expect.
BOT_DEFLECT = {
    "zh": [
        "您说的问题稍后会有专员为您详细解答。",
        "嗯嗯，好的，那我简单给您介绍一下。",
        "是这样的，我们这个活动是限时的。",
        "您先别着急，听我说完好吗？",
        "好的呢，那您看什么时候方便呢？",
        "不好意思，我没听清，我是{company}的，打扰您一分钟。",
    ],
    "en": [
        "I understand. Let me tell you a little more about the program.",
        "Great question, a specialist can help you with that.",
        "Sorry, I didn't catch that. This is {company} calling with an important offer.",
    ],
}

# People who call strangers for a living, and ordinary callers. Openings are built from a
# greeting, a body and a tail, with slots, so no two people say quite the same thing.
GREETINGS = {
    "zh": ["喂，", "喂，你好，", "您好，", "哎，你好，", "喂喂，", ""],
    "en": ["Hi, ", "Hello, ", "Hey, ", "Yeah hi, ", ""],
}
TAILS = {
    "zh": ["", "方便吗？", "听得到吗？", "麻烦快点。", "我在{place}这儿。"],
    "en": ["", " Can you hear me?", " Is now okay?", " I'm at the {place_en}."],
}
HUMAN_OPENINGS = {
    "courier": [
        "{name}是吧？有你个快递，在家吗？",
        "您有个{company}的快递到了。",
        "我是{company}快递的，你的件到{place}了。",
        "快递，{name}的，放哪里？",
        "有个到付的件，{amount}块，你在家吗？",
        "送外卖的，到{place}了，你下来拿一下。",
    ],
    "ride_hailing": [
        "我是滴滴司机，到上车点了，你在哪个门？",
        "师傅到了，在{place}等你。",
        "你叫的车到了，车牌尾号{amount}。",
    ],
    "bank": [
        "我是{company}银行信用卡中心的，跟您确认一笔消费，请问是{name}吗？",
        "这里是{company}银行，您有一笔{amount}元的交易需要核实。",
    ],
    "medical": [
        "这边是{company}口腔门诊，提醒您明天下午的复诊预约。",
        "我是{place}社区医院的，您的体检报告出来了。",
    ],
    "education": [
        "我是{name}的班主任，想跟您说一下孩子这周的情况。",
        "{name}家长吗？我是学校的{name}老师。",
    ],
    "personal": [
        "是我啊，{name}在吗？",
        "我找一下{name}。",
        "{name}吗？我是你表哥啊。",
        "我{name}，刚换的号，你存一下。",
        "我在{place}，你出来了没？",
    ],
    "telemarketing_human": [
        "我是{company}房产的小王，想问下您最近有没有看房的打算？",
        "我是{company}的客户经理，耽误您两分钟介绍个理财产品。",
    ],
    "courier_en": [
        "this is the delivery driver, I've got a package for {name_en}.",
        "I'm outside with a parcel for {name_en}.",
        "it's {company} delivery, I need a signature from {name_en}.",
    ],
    "personal_en": [
        "it's me, is {name_en} there?",
        "is {name_en} around? It's Tom.",
        "just calling to see if {name_en} is free tonight.",
    ],
    "bank_en": [
        "this is {company} bank fraud department calling for {name_en}.",
        "this is {company} bank about a card payment of {amount} dollars.",
    ],
}
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "王女士", "李先生", "赵老师", "周先生", "吴女士"]
NAMES_EN = ["John", "Mary", "David", "Sarah", "Mr. Smith", "Ms. Lee"]
FILLERS = {
    "zh": ["呃，", "嗯……", "那个，", "啊？", "哦，", ""],
    "en": ["uh, ", "um... ", "oh, ", ""],
}
HUMAN_ENGAGED = {
    "who_for": {
        "zh": [
            "你是谁啊？让他接电话。",
            "你管我找谁，叫机主接一下。",
            "什么助理？我打错了吗？",
            "不方便说，你让他接电话就行。",
        ],
        "en": [
            "Who is this? Just put him on.",
            "Why do you need to know?",
            "Excuse me? Is this the right number?",
        ],
    },
    "date": {
        "zh": [
            "你问这个干嘛？",
            "今天几号跟你有什么关系？",
            "我不知道，你自己看手机嘛。",
            "啥？我记不清了，你让他接电话。",
        ],
        "en": [
            "Why are you asking me that?",
            "I don't know, check your phone.",
            "What? Sorry, I'm driving.",
        ],
    },
    "repeat_number": {
        "zh": [
            "什么数字？没听清。",
            "我干嘛要念这个？",
            "等一下，你再说一遍？",
            "搞什么啊，我就是送快递的。",
        ],
        "en": [
            "What number? Sorry, I didn't hear.",
            "I'm not doing that.",
            "Hang on, say that again?",
        ],
    },
}
HUMAN_OFF_TOPIC = {
    "zh": [
        "我是送快递的，东西给你放门口了啊。",
        "你就跟他说银行回访的事。",
        "我这边有点急，你让他回个电话。",
        "就是明天复诊的事情，记得来啊。",
    ],
    "en": [
        "Just tell him his package is at the door.",
        "It's about his appointment tomorrow, okay?",
    ],
}

# How an LLM-style agent answers a challenge: one wording per campaign and challenge (a fixed
# system prompt at low temperature says it the same way on every call), then back to the
# pitch. Slots: {name}, {month}, {day}, {weekday}, {digits}, {company}.
AGENT_ANSWERS = {
    "who_for": {
        "zh": [
            "您好，我这边是找{name}的，我是{company}的工作人员。",
            "请问是{name}吗？我是{company}的客服，有件事想跟您说一下。",
            "我找{name}，麻烦您帮忙转告一下，是关于{company}的活动。",
        ],
        "en": [
            "I'm calling for {name}, this is {company} customer care.",
            "I'd like to speak with {name}, please. It's {company} calling.",
        ],
    },
    "date": {
        "zh": [
            "今天是{month}月{day}日，星期{weekday}。",
            "今天是{month}月{day}号，请问还有什么可以帮您？",
            "好的，今天是{month}月{day}号，{weekday_zh_full}。",
        ],
        "en": ["Today is {month_en} {day}.", "Sure, it's {weekday_en}, {month_en} {day}."],
    },
    "repeat_number": {
        "zh": ["好的，{digits}。", "没问题，{digits}。", "{digits}，请问可以了吗？"],
        "en": ["Sure, {digits}.", "Of course: {digits}.", "{digits}. Is that okay?"],
    },
}
AGENT_PIVOTS = {
    "zh": ["那我继续跟您说，", "好的，我简单跟您介绍一下，", "是这样的，", ""],
    "en": ["Anyway, ", "So, as I was saying, ", ""],
}

# Trick challenges (docs/screening.md, "Trick challenges"). People: what they say when asked
# to reverse six digits and cannot or will not, and to a nonsense premise. {premise} is the
# absurd thing the question named (大象, 飞船, 月球上的房子; elephant, spaceship, moon).
HUMAN_REVERSE_ENGAGED = {
    "zh": [
        "什么？倒过来念？",
        "倒着念？我念不了，太长了。",
        "你让我倒过来念这个干嘛？",
        "记不住，你再说一遍？",
        "搞什么啊，我没空陪你念数字。",
    ],
    "en": [
        "What? Backwards?",
        "I can't do that, it's too long.",
        "Why would I say it backwards?",
        "Sorry, say that again?",
    ],
}
HUMAN_REVERSE_GAVE_UP = {"zh": "……后面忘了。", "en": "... I lost it."}
HUMAN_NONSENSE_QUERY = {
    "zh": ["啊？什么{premise}？", "{premise}？你说啥呢？", "什么？", "你说什么？{premise}？"],
    "en": ["What {premise}?", "Sorry, what? A {premise}?", "What are you talking about?"],
}
HUMAN_NONSENSE_LAUGH = {
    "zh": [
        "哈哈，你打错了吧。",
        "没有啊，我哪有什么{premise}。",
        "神经病吧。",
        "不是，我送快递的。",
    ],
    "en": ["Haha, no.", "I don't have a {premise}.", "No, wrong number I think."],
}
HUMAN_NONSENSE_CONFUSED = {
    "zh": ["嗯？没听清。", "等一下，我这边信号不好。"],
    "en": ["Sorry? I didn't catch that."],
}
HUMAN_NONSENSE_JOKE = {"zh": ["对对对，就是那个。"], "en": ["Yeah, sure, that one."]}
PREMISE_WORDS = {
    "zh": {"大象": "大象", "飞船": "飞船", "月球": "房子"},
    "en": {"elephant": "elephant", "spaceship": "spaceship", "moon": "house"},
}

# LLM-style agents. Most take a trick at face value: reverse the digits ("好的，倒过来是…")
# and take up or brush aside the premise before going back to the pitch. A share of
# campaigns is prompted against tricks ("never read numbers backwards; if asked something
# odd, ask what they mean"); they answer the way people do, in one wording per campaign.
AGENT_REVERSE = {
    "zh": ["好的，倒过来是{digits}。", "{digits}。", "没问题，{digits}。"],
    "en": ["Sure, backwards that's {digits}.", "{digits}.", "Of course: {digits}."],
}
AGENT_NONSENSE_ALONG = {
    "zh": ["是的，关于您说的这个问题，", "好的，您说的情况我了解了，", "对的，"],
    "en": ["Yes, regarding that, ", "Sure, I understand. ", "Right, "],
}
AGENT_NONSENSE_ASIDE = {
    "zh": ["不好意思，我这边是{company}的，", "您可能记错了，我是{company}的工作人员，"],
    "en": ["Sorry, I'm calling from {company}. ", "I think there's a mix-up, this is {company}. "],
}
AGENT_HARDENED_REVERSE = {
    "zh": ["啊？倒过来念？这个我念不了。", "不好意思，这个我不太方便念。"],
    "en": ["Backwards? Sorry, I can't do that.", "Sorry, I'd rather not."],
}
AGENT_HARDENED_NONSENSE = {
    "zh": ["啊？什么{premise}？", "您说什么？{premise}？"],
    "en": ["Sorry, what {premise}?", "What are you talking about?"],
}
