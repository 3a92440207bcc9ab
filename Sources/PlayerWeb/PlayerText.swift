import Delivery
import Foundation

/// The player's words, in the learner's language (zh-CN or en, by `Accept-Language`).
public enum PlayerText {
    public enum Language: String, Sendable {
        case zh = "zh-CN"
        case en = "en"
    }

    /// The first of zh* or en* in `Accept-Language` by quality; zh-CN when neither is named.
    public static func language(_ header: String?) -> Language {
        guard let header else { return .zh }
        var best: (Language, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let tag = pieces.first else { continue }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let language: Language? = tag.hasPrefix("zh") ? .zh : tag.hasPrefix("en") ? .en : nil
            if let language, quality > (best?.1 ?? 0) { best = (language, quality) }
        }
        return best?.0 ?? .zh
    }

    public struct Message: Sendable {
        public var title: String
        public var text: String
    }

    static func pick(_ language: Language, _ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    public static func refusal(_ code: DeliveryError.Code, language l: Language) -> Message {
        switch code {
        case .launchUsed:
            Message(title: pick(l, "链接已使用", "Link already used"),
                    text: pick(l, "这个学习链接已经打开过，每个链接只能使用一次。请重新启动课程以获得新链接。",
                               "This launch link was opened before; each link works once. Launch the course again for a new link."))
        case .launchExpired:
            Message(title: pick(l, "链接已过期", "Link expired"),
                    text: pick(l, "这个学习链接已过期。请重新启动课程以获得新链接。", "This launch link has expired. Launch the course again for a new link."))
        case .unknownLaunch:
            Message(title: pick(l, "链接无效", "Unknown link"),
                    text: pick(l, "这个学习链接不是平台发出的。", "This launch link was not issued by the platform."))
        case .withdrawn:
            Message(title: pick(l, "已退选", "Enrollment withdrawn"),
                    text: pick(l, "你在这门课程的选课已被撤销，不能继续学习。", "Your enrollment in this course was withdrawn; the course cannot be taken."))
        case .retired:
            Message(title: pick(l, "课程已下架", "Course retired"),
                    text: pick(l, "这门课程已从目录中下架，不能继续学习。", "This course was retired from the catalog and can no longer be taken."))
        case .notEnrolled:
            Message(title: pick(l, "未选课", "Not enrolled"), text: pick(l, "没有找到你对这门课程的选课。", "No enrollment in this course was found."))
        case .sessionInvalid:
            Message(title: pick(l, "学习会话已结束", "Session over"),
                    text: pick(l, "这次学习会话已结束或已过期。请重新启动课程。", "This learning session has ended or expired. Launch the course again."))
        case .unknownActivity:
            Message(title: pick(l, "找不到学习活动", "No such activity"), text: pick(l, "课程中没有这个学习活动。", "The course has no such activity."))
        case .invalidRuntimeData, .unsupportedFormat, .storage:
            Message(title: pick(l, "出错了", "Something went wrong"),
                    text: pick(l, "请求无法完成，请稍后再试。", "The request could not be completed; please try again later."))
        }
    }

    /// Where a cmi5 AU's frame goes when the AU exits (its returnURL).
    public static func returned(_ l: Language) -> Message {
        Message(title: pick(l, "学习活动已结束", "Activity ended"),
                text: pick(l, "这个学习活动已结束。请在课程目录中选择下一个活动，或退出课程。",
                           "This activity has ended. Choose the next one from the contents, or exit the course."))
    }

    public static func notFound(_ l: Language) -> Message {
        Message(title: pick(l, "找不到", "Not found"), text: pick(l, "没有这个页面或文件。", "There is no such page or file."))
    }

    /// The labels of the player page.
    static func labels(_ l: Language) -> [String: String] {
        [
            "previous": pick(l, "上一个", "Previous"), "next": pick(l, "下一个", "Next"), "exit": pick(l, "退出", "Exit"),
            "contents": pick(l, "课程目录", "Contents"), "learner": pick(l, "学员", "Learner"),
            "ended": pick(l, "已退出课程，可以关闭此窗口。", "You have left the course; you can close this window."),
            "not-attempted": pick(l, "未开始", "not started"), "incomplete": pick(l, "进行中", "in progress"),
            "suspended": pick(l, "已暂停", "suspended"), "completed": pick(l, "已完成", "completed"),
            "passed": pick(l, "已通过", "passed"), "failed": pick(l, "未通过", "failed"),
            "mode-browse": pick(l, "浏览模式：不记录完成情况", "Browse mode: completion is not recorded"),
            "mode-review": pick(l, "复习模式：不记录成绩", "Review mode: nothing is recorded"),
            "saving-failed": pick(l, "学习记录保存失败，请检查网络。", "Your progress could not be saved; check the connection."),
        ]
    }
}
