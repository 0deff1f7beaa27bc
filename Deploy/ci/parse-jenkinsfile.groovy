// Checks the Jenkinsfile offline: it must compile as Groovy (a declarative pipeline only calls pipeline {} when
// Jenkins runs it, so parsing checks the syntax), and its syntax tree must have the declarative structure
// Tradewind's delivery relies on: pipeline { agent, options, environment, stages { stage(...) ... }, post }.
//
//   groovy Deploy/ci/parse-jenkinsfile.groovy Jenkinsfile
import org.codehaus.groovy.ast.ASTNode
import org.codehaus.groovy.ast.CodeVisitorSupport
import org.codehaus.groovy.ast.builder.AstBuilder
import org.codehaus.groovy.ast.expr.BinaryExpression
import org.codehaus.groovy.ast.expr.ClosureExpression
import org.codehaus.groovy.ast.expr.ConstantExpression
import org.codehaus.groovy.ast.expr.MethodCallExpression
import org.codehaus.groovy.ast.expr.VariableExpression
import org.codehaus.groovy.ast.stmt.BlockStatement
import org.codehaus.groovy.ast.stmt.ExpressionStatement
import org.codehaus.groovy.control.CompilePhase

def path = args ? args[0] : 'Jenkinsfile'
def file = new File(path)
if (!file.isFile()) {
    System.err.println("parse-jenkinsfile: no file ${path}")
    System.exit(2)
}
def text = file.getText('UTF-8')
def problems = []

// 1. Syntax: compiles as a Groovy script.
try {
    new GroovyShell().parse(text, 'Jenkinsfile')
} catch (Exception e) {
    System.err.println("parse-jenkinsfile: ${path} does not compile:\n${e.message}")
    System.exit(1)
}

// 2. Declarative structure.
def nodes = new AstBuilder().buildFromString(CompilePhase.CONVERSION, false, text)
def script = nodes.find { it instanceof BlockStatement } as BlockStatement

def closureOf = { MethodCallExpression call ->
    def arguments = call.arguments.expressions
    arguments ? arguments.find { it instanceof ClosureExpression } : null
}
// Method calls made directly in a closure's body (not nested deeper).
def directCalls = { ClosureExpression closure ->
    def statements = (closure?.code instanceof BlockStatement) ? closure.code.statements : []
    statements.findAll { it instanceof ExpressionStatement && it.expression instanceof MethodCallExpression }
              .collect { it.expression as MethodCallExpression }
}
// Every method name called anywhere below a node.
def allCallNames = { ASTNode node ->
    def names = [] as Set
    node.visit(new CodeVisitorSupport() {
        @Override
        void visitMethodCallExpression(MethodCallExpression call) {
            names << call.methodAsString
            super.visitMethodCallExpression(call)
        }
    })
    names
}
def firstString = { MethodCallExpression call ->
    def first = call.arguments.expressions ? call.arguments.expressions[0] : null
    first instanceof ConstantExpression ? first.value as String : null
}

def pipelineCall = script.statements.findAll { it instanceof ExpressionStatement && it.expression instanceof MethodCallExpression }
                         .collect { it.expression as MethodCallExpression }
                         .find { it.methodAsString == 'pipeline' }
if (pipelineCall == null || closureOf(pipelineCall) == null) {
    System.err.println('parse-jenkinsfile: no top-level pipeline { ... } block')
    System.exit(1)
}
def pipelineSections = directCalls(closureOf(pipelineCall)).collectEntries { [(it.methodAsString): it] }
['agent', 'options', 'environment', 'stages', 'post'].each { section ->
    if (!pipelineSections.containsKey(section)) problems << "pipeline has no ${section} section"
}

if (pipelineSections.options) {
    def options = allCallNames(pipelineSections.options)
    ['timeout', 'buildDiscarder', 'disableConcurrentBuilds'].each { option ->
        if (!options.contains(option)) problems << "options has no ${option}(...)"
    }
}

if (pipelineSections.environment) {
    def names = []
    def statements = closureOf(pipelineSections.environment).code.statements
    statements.each { statement ->
        if (statement instanceof ExpressionStatement && statement.expression instanceof BinaryExpression) {
            def left = statement.expression.leftExpression
            if (left instanceof VariableExpression) names << left.name
        }
    }
    ['REGISTRY', 'IMAGE_TAG'].each { variable ->
        if (!names.contains(variable)) problems << "environment does not set ${variable}"
    }
}

def stageNames = []
def stages = [:]
if (pipelineSections.stages) {
    directCalls(closureOf(pipelineSections.stages)).findAll { it.methodAsString == 'stage' }.each { call ->
        def name = firstString(call)
        stageNames << name
        stages[name] = call
    }
    def expected = ['Checkout', 'Build', 'Test against PostgreSQL', 'Lint and validate', 'Images', 'Deploy', 'Smoke test']
    if (stageNames != expected) problems << "stages are ${stageNames}, expected ${expected} in this order"
}

def expectCalls = { String stage, List<String> names ->
    if (stages[stage]) {
        def called = allCallNames(stages[stage])
        names.each { name -> if (!called.contains(name)) problems << "stage '${stage}' does not call ${name}" }
    }
}
expectCalls('Checkout', ['checkout'])
expectCalls('Build', ['sh'])
expectCalls('Test against PostgreSQL', ['sh', 'post', 'always'])
expectCalls('Lint and validate', ['sh'])
expectCalls('Images', ['script', 'parallel', 'withCredentials', 'usernamePassword'])
expectCalls('Deploy', ['when', 'branch', 'withCredentials', 'file'])
expectCalls('Smoke test', ['when', 'branch', 'sh'])
if (pipelineSections.post && !allCallNames(pipelineSections.post).contains('always')) problems << 'post has no always { ... }'

if (problems) {
    problems.each { System.err.println("parse-jenkinsfile: ${it}") }
    System.exit(1)
}
println "Jenkinsfile: compiles; pipeline with agent, options, environment, post and ${stageNames.size()} stages: ${stageNames.join(', ')}"
