package org.elasticsearch.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * One Elasticsearch node in this JVM with the HTTP module as a classpath plugin (what a
 * distribution loads from its modules/ folder). It lives in Elasticsearch's own package because
 * the node's construction with a service provider of one's own is package-private there; the
 * provider differs from the default in one thing only: the plugins come from the classpath
 * (the test framework's MockPluginsService), not from a modules/ folder. Every service is the
 * real one. Arguments: home directory, HTTP port, transport port. Listens on loopback only;
 * stops on SIGTERM.
 */
public final class ClasspathNode extends Node {

    private ClasspathNode(Environment environment) {
        super(NodeConstruction.prepareConstruction(environment,
                PluginsLoader.createPluginsLoader(Set.of(), Set.of(), Map.of(), false), new ClasspathPlugins(), true));
    }

    /** The node's services, with the plugins given as classes on the classpath. */
    private static final class ClasspathPlugins extends NodeServiceProvider {
        @Override
        PluginsService newPluginService(Environment environment, PluginsLoader pluginsLoader) {
            return new MockPluginsService(environment.settings(), environment, List.of(Netty4Plugin.class));
        }
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("cluster.name", "tenderwatch-engines")
                .put("node.name", "elasticsearch-1")
                .put("discovery.type", "single-node")
                .put("network.host", "127.0.0.1")
                .put("http.port", args[1])
                .put("transport.port", args[2])
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"),
                () -> "elasticsearch-1");
        Node node = new ClasspathNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception exception) {
                exception.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }));
        node.start();
        System.err.println("elasticsearch node started: http://127.0.0.1:" + args[1]);
        stopped.await(); // the node's threads are daemons: this one keeps the JVM up until SIGTERM
    }
}
